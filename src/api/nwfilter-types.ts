// Wire types of the traffic-filter API (libvirt nwfilter): /v1/nwfilters and /v1/nwfilter-bindings.
//
//   GET    /v1/nwfilters                       → NwfilterListResponse
//   POST   /v1/nwfilters            (XML)      → 201 NwfilterInfo   (define, or redefine and re-apply)
//   GET    /v1/nwfilters/:id                   → NwfilterInfo       (id: name or UUID)
//   GET    /v1/nwfilters/:id/xml               → application/xml
//   DELETE /v1/nwfilters/:id                   → NwfilterInfo       (undefine; 409 while in use)
//   GET    /v1/nwfilter-bindings               → NwfilterBindingListResponse
//   POST   /v1/nwfilter-bindings    (XML)      → 201 NwfilterBindingInfo
//   GET    /v1/nwfilter-bindings/:portdev      → NwfilterBindingInfo
//   GET    /v1/nwfilter-bindings/:portdev/xml  → application/xml
//   DELETE /v1/nwfilter-bindings/:portdev      → NwfilterBindingInfo

export interface NwfilterInfo {
  name: string;
  uuid: string;
}

export interface NwfilterListResponse {
  nwfilters: NwfilterInfo[];
}

export interface NwfilterBindingInfo {
  portdev: string;
  filter: string;
}

export interface NwfilterBindingListResponse {
  bindings: NwfilterBindingInfo[];
}
