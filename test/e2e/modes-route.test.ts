// Routed mode with packets: no NAT, inbound works once upstream has a route to the guests.

import { routedModeSuite } from './harness/routed-suite.js';

routedModeSuite('route', 141);
