// Types of the parser the metrics tests read /metrics with (the package ships none).
declare module 'parse-prometheus-text-format' {
  export default function parsePrometheusTextFormat(text: string): unknown[];
}
