import { createHash } from 'node:crypto';

/** One small stylesheet: readable on a phone, visible keyboard focus, no framework. */
export const PORTAL_CSS = `
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;background:#f6f7f9}
a{color:#0b57d0}
a:hover{text-decoration-thickness:2px}
:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
.skip-link{position:absolute;left:-9999px;top:0;background:#fff;padding:.5rem 1rem;z-index:10}
.skip-link:focus{left:.5rem;top:.5rem}
.topbar{background:#111827;color:#f9fafb}
.topbar-inner{max-width:64rem;margin:0 auto;padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center}
.brand{font-weight:700;color:#f9fafb;text-decoration:none;font-size:1.125rem}
.topbar nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem .75rem}
.topbar nav a{color:#e5e7eb;padding:.25rem 0;display:inline-block}
.topbar nav a[aria-current="page"]{color:#fff;font-weight:600}
.who{margin-left:auto;display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;font-size:.875rem;color:#d1d5db}
.who form{margin:0}
.who a{color:#e5e7eb}
main{max-width:64rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}
h2{font-size:1.125rem;margin:1.5rem 0 .5rem}
.card{background:#fff;border:1px solid #e5e7eb;border-radius:.5rem;padding:1rem;margin:0 0 1rem}
.card>h2:first-child{margin-top:0}
caption{text-align:left;padding:.25rem 0}
.grid{display:grid;gap:1rem;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr))}
.muted{color:#57606a}
.table-wrap{overflow-x:auto;margin-bottom:1rem}
table.wrap td{white-space:normal;overflow-wrap:anywhere;vertical-align:top}
table.wrap pre{white-space:pre-wrap;overflow-wrap:anywhere;font-size:.8125rem}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:.5rem;border-bottom:1px solid #e5e7eb;white-space:nowrap}
th{font-size:.875rem;color:#57606a}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input[type=email],input[type=password],input[type=text]{width:100%;max-width:28rem;font:inherit;padding:.6rem .7rem;border:1px solid #8c959f;border-radius:.375rem;background:#fff}
button,.button{font:inherit;cursor:pointer;border-radius:.375rem;padding:.55rem 1rem;border:1px solid #0b57d0;background:#0b57d0;color:#fff;min-height:2.75rem}
.button-quiet{background:transparent;border-color:#9ca3af;color:inherit;min-height:2.25rem;padding:.3rem .75rem}
.alert{border-radius:.375rem;padding:.75rem 1rem;margin:0 0 1rem;border:1px solid}
.alert-error{background:#fef2f2;border-color:#fca5a5;color:#7f1d1d}
.alert-ok{background:#f0fdf4;border-color:#86efac;color:#14532d}
.alert p{margin:.25rem 0}
.secret{font-size:1.125rem;user-select:all;word-break:break-all}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
form.inline{margin:0}
select{font:inherit;padding:.55rem .6rem;border:1px solid #8c959f;border-radius:.375rem;background:#fff;max-width:28rem;width:100%}
.login{max-width:26rem;margin:2rem auto}
.badge{display:inline-block;font-size:.75rem;padding:.1rem .5rem;border-radius:1rem;background:#e5e7eb}
.subnav ul{list-style:none;margin:0 0 1rem;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem;border-bottom:1px solid #e5e7eb}
.subnav a{display:inline-block;padding:.5rem 0;min-height:2.75rem}
.subnav a[aria-current="page"]{font-weight:700;text-decoration-thickness:3px}
.stat p{margin:0}
.amount{font-size:1.375rem;font-weight:700;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
td.num{font-variant-numeric:tabular-nums}
svg.chart{width:100%;height:14rem;display:block}
.legend{list-style:none;padding:0;margin:.5rem 0 0;display:flex;flex-wrap:wrap;gap:.25rem 1rem;font-size:.875rem}
.quote{display:grid;grid-template-columns:auto 1fr;gap:.1rem 1rem;margin:.5rem 0}
.quote dt{color:#57606a}.quote dd{margin:0;text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.package h3{margin:0 0 .25rem;font-size:1.0625rem}
.pager{display:flex;gap:1rem;margin:.5rem 0 1rem}
.pager a{display:inline-block;padding:.5rem 0;min-height:2.75rem}
input[type=date]{font:inherit;padding:.5rem .6rem;border:1px solid #8c959f;border-radius:.375rem;background:#fff;width:100%;max-width:28rem}
details summary{cursor:pointer;padding:.5rem 0}
input[type=url],input[type=search]{width:100%;max-width:28rem;font:inherit;padding:.6rem .7rem;border:1px solid #8c959f;border-radius:.375rem;background:#fff}
progress{width:100%;height:1rem}
fieldset{border:1px solid #e5e7eb;border-radius:.375rem;padding:.5rem 1rem;margin:1rem 0;min-width:0}
.deployment-row{grid-template-columns:repeat(auto-fit,minmax(9rem,1fr));gap:0 1rem;border-bottom:1px solid #e5e7eb;padding-bottom:.75rem}
.deployment-row input,.deployment-row select{max-width:none}
td.loss{color:#b91c1c;font-weight:600}
@media (max-width:40rem){main{padding:.75rem}.who{margin-left:0;width:100%}th,td{white-space:normal;overflow-wrap:break-word}
table.stack thead{position:absolute;left:-9999px}
table.stack,table.stack tbody,table.stack tr,table.stack td{display:block;width:100%}
table.stack caption{display:block;width:100%}
table.stack tr{border-bottom:1px solid #e5e7eb;padding:.5rem 0}
table.stack td{border:0;padding:.1rem .5rem}
table.stack td[data-label]::before{content:attr(data-label) ": ";font-weight:600;color:#57606a}}
`.trim();

export const PORTAL_CSS_VERSION = createHash('sha256').update(PORTAL_CSS).digest('hex').slice(0, 12);
export const PORTAL_CSS_PATH = '/assets/portal.css';
