/**
 * The dashboard's stylesheet, a constant so the Content-Security-Policy allows it by hash.
 * Colour pairs meet WCAG AA (4.5:1) for text on every status, stale and stopped included.
 */
export const DASHBOARD_STYLE = `
:root { color-scheme: light; --ink: #1f2328; --muted: #57606a; --line: #d0d7de; --paper: #ffffff; --back: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--back); }
main { max-width: 960px; margin: 0 auto; padding: 16px; }
h1 { font-size: 1.4rem; margin: 0 0 12px; overflow-wrap: anywhere; }
h1 .instance { font-weight: 400; color: var(--muted); font-size: 1.1rem; }
.summary { display: flex; flex-wrap: wrap; align-items: center; gap: 12px 20px; background: var(--paper); border: 1px solid var(--line); border-radius: 8px; padding: 16px; }
.headline { display: flex; flex-direction: column; align-items: flex-start; gap: 6px; }
.badge { display: inline-block; min-width: 6.5em; padding: 2px 10px; border-radius: 999px; font-weight: 700; text-align: center; letter-spacing: .02em; background: #57606a; color: #ffffff; }
.overall { font-size: 1.6rem; padding: 6px 18px; }
[data-status="UP"] { background: #116329; color: #ffffff; }
[data-status="DEGRADED"] { background: #ffc01f; color: #1f2328; }
[data-status="DOWN"] { background: #b3261e; color: #ffffff; }
[data-status="UNKNOWN"] { background: #57606a; color: #ffffff; }
[data-status="STOPPED"] { background: #4b3f72; color: #ffffff; }
.note { margin: 0; color: var(--muted); font-weight: 600; }
.note:empty { display: none; }
.facts { margin: 0; display: grid; grid-template-columns: auto 1fr; gap: 2px 12px; font-size: .95rem; flex: 1 1 20em; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; overflow-wrap: anywhere; }
.connection { margin: 12px 0; padding: 8px 12px; border-radius: 8px; border: 1px solid var(--line); background: var(--paper); font-weight: 600; }
.connection[data-state="lost"] { border-color: #b3261e; background: #ffebe9; color: #82071e; }
.connection[data-state="stopped"] { border-color: #4b3f72; background: #f3f0fa; color: #3b3060; }
.stale .overall { outline: 3px dashed #57606a; outline-offset: 3px; }
.stale tbody .badge { background: #57606a; color: #ffffff; }
.stale tbody td, .stale tbody th { color: var(--muted); }
table { width: 100%; border-collapse: collapse; background: var(--paper); border: 1px solid var(--line); border-radius: 8px; }
caption { text-align: left; font-weight: 700; padding: 8px 0; }
th, td { text-align: left; padding: 8px 10px; border-top: 1px solid var(--line); vertical-align: top; }
thead th { background: var(--back); font-size: .9rem; color: var(--muted); }
tbody th { white-space: nowrap; }
tbody th.long { white-space: normal; overflow-wrap: anywhere; min-width: 12em; }
td.message { overflow-wrap: anywhere; }
td.number { font-variant-numeric: tabular-nums; white-space: nowrap; }
.empty { color: var(--muted); }
.history { margin: 12px 0; background: var(--paper); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.history[hidden] { display: none; }
.history h2 { font-size: 1rem; margin: 0 0 4px; }
.hrow.axis { margin: 0; border-top: 0; padding: 0 0 2px; }
.axis .ticks { display: flex; justify-content: space-between; font-size: .8rem; color: var(--muted); font-variant-numeric: tabular-nums; }
.history-rows { list-style: none; margin: 0; padding: 0; }
.hrow { display: grid; grid-template-columns: 10em minmax(0, 1fr) 7em 11em 6.5em; align-items: center; gap: 8px; padding: 3px 0; border-top: 1px solid var(--line); font-size: .85rem; }
.hrow:first-child { border-top: 0; }
.hrow.service { font-weight: 700; }
.hname { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.strip { display: block; width: 100%; height: 14px; background: #eaeef2; border-radius: 3px; }
.seg[data-status="UP"] { fill: #1a7f37; }
.seg[data-status="DEGRADED"] { fill: #bf8700; }
.seg[data-status="DOWN"] { fill: #cf222e; }
.seg[data-status="UNKNOWN"] { fill: #6e7781; }
.spark { display: block; width: 100%; height: 20px; }
.spark .line { fill: none; stroke: #0550ae; stroke-width: 1.5; vector-effect: non-scaling-stroke; }
.hup { display: flex; gap: 8px; font-variant-numeric: tabular-nums; white-space: nowrap; color: var(--ink); }
.flap:empty { visibility: hidden; }
.flap { justify-self: end; padding: 0 6px; border-radius: 999px; background: #953800; color: #ffffff; font-weight: 700; font-size: .75rem; text-align: center; }
.stale .seg, .stale .spark .line { opacity: .6; }
@media (max-width: 640px) {
  .axis { display: block; }
  .axis > span:first-child { display: none; }
  .hrow { grid-template-columns: minmax(0, 1fr) auto auto; grid-template-areas: "name up flap" "strip strip strip" "spark spark spark"; gap: 2px 8px; padding: 6px 0; }
  .hname { grid-area: name; }
  .hup { grid-area: up; }
  .flap { grid-area: flap; }
  .strip { grid-area: strip; }
  .spark { grid-area: spark; }
  .hrow.service > span:nth-child(3) { display: none; }
  main { padding: 10px; }
  .overall { font-size: 1.3rem; }
  thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table, tbody, tr, td { display: block; width: 100%; }
  table { border: 0; background: none; }
  tr { background: var(--paper); border: 1px solid var(--line); border-radius: 8px; margin-bottom: 10px; }
  td { display: grid; grid-template-columns: 7.5em 1fr; gap: 8px; border-top: 0; padding: 4px 10px; }
  td::before { content: attr(data-label); color: var(--muted); font-weight: 600; }
  td .badge { justify-self: start; }
  td.number { white-space: normal; }
  tbody th, tbody th.long { display: block; border-top: 0; font-size: 1.05rem; padding: 8px 10px 4px; white-space: normal; overflow-wrap: anywhere; min-width: 0; }
}
`;
