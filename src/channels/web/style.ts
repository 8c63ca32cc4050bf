/** The web form's only stylesheet, served at /style.css (no external assets, no inline styles). */
export const STYLE_CSS = `
*,*::before,*::after{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans","Noto Sans CJK TC","Microsoft JhengHei","PingFang HK",sans-serif;font-size:100%;line-height:1.5;color:#0b0c0c;background:#fff;-webkit-text-size-adjust:100%}
body{margin:0}
.wrap{max-width:42rem;margin:0 auto;padding:0 1rem}
.skip{position:absolute;left:-999px;top:0;background:#ffdd00;color:#0b0c0c;padding:.5rem 1rem;z-index:10}
.skip:focus{left:0}
header{background:#0b3d62;color:#fff;padding:.75rem 0}
header .wrap{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center;justify-content:space-between}
header a{color:#fff}
.brand{font-weight:700;font-size:1.125rem;text-decoration:none}
.brand:hover{text-decoration:underline}
.langs{display:flex;gap:1rem;list-style:none;margin:0;padding:0}
.langs [aria-current]{font-weight:700;text-decoration:none}
main{padding:1.5rem 1rem 3rem}
h1{font-size:1.75rem;line-height:1.25;margin:.5rem 0 1rem}
h2{font-size:1.25rem;margin:1.5rem 0 .5rem}
a{color:#1d4ed8}
a:hover{color:#003078}
a:focus,button:focus,input:focus,select:focus,textarea:focus,summary:focus{outline:3px solid #ffdd00;outline-offset:0;box-shadow:0 0 0 5px #0b0c0c}
a:focus{background:#ffdd00;color:#0b0c0c;text-decoration:none}
.services{list-style:none;padding:0;margin:0;display:grid;gap:.75rem}
.services a{display:block;padding:.75rem 1rem;border:2px solid #b1b4b6;border-radius:4px;text-decoration:none;font-weight:600}
.services span{display:block;font-weight:400;color:#383f43}
.field{margin:0 0 1.5rem}
.field label,.field legend{display:block;font-weight:700;margin-bottom:.25rem}
.hint{color:#383f43;margin:0 0 .25rem}
input[type=text],select,textarea{display:block;width:100%;max-width:24rem;font:inherit;font-size:1.125rem;padding:.5rem;border:2px solid #0b0c0c;border-radius:0;background:#fff;color:#0b0c0c}
textarea{max-width:100%;min-height:8rem}
.field-error{border-left:5px solid #b10e1e;padding-left:.75rem}
.field-error input,.field-error select,.field-error textarea{border-color:#b10e1e}
.error-message{color:#b10e1e;font-weight:700;margin:0 0 .25rem}
.error-message ul{margin:0;padding-left:1.25rem}
.error-summary{border:4px solid #b10e1e;padding:1rem;margin:0 0 1.5rem}
.error-summary h2{margin-top:0}
.error-summary a{color:#b10e1e;font-weight:700}
.notice{border-left:5px solid #1d70b8;background:#f3f7fb;padding:.75rem 1rem;margin:0 0 1.5rem}
.success{border:4px solid #00703c;padding:1rem;margin:0 0 1.5rem}
.success h2{margin-top:0}
button,.button{display:inline-block;font:inherit;font-weight:700;font-size:1.125rem;padding:.6rem 1.2rem;border:0;border-radius:0;background:#00703c;color:#fff;box-shadow:0 2px 0 #002d18;cursor:pointer;text-decoration:none;margin:0 .75rem .75rem 0}
button:hover{background:#005a30}
button.secondary{background:#f3f2f1;color:#0b0c0c;box-shadow:0 2px 0 #929191}
button.warning{background:#b10e1e;box-shadow:0 2px 0 #55070e}
.inline{display:inline}
.big{font-size:1.5rem;font-weight:700;letter-spacing:.05em}
dl.summary{display:grid;grid-template-columns:minmax(7rem,auto) 1fr;gap:.25rem 1rem;margin:0 0 1.5rem}
dl.summary dt{font-weight:700}
dl.summary dd{margin:0}
table{border-collapse:collapse;width:100%;margin:0 0 1.5rem}
caption{text-align:left;font-weight:700;font-size:1.125rem;margin-bottom:.5rem}
th,td{text-align:left;vertical-align:top;padding:.5rem .5rem .5rem 0;border-bottom:1px solid #b1b4b6}
.open{color:#00703c;font-weight:700}
.closed{color:#383f43}
.nowrap{white-space:nowrap}
.visually-hidden{position:absolute!important;width:1px;height:1px;margin:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
footer{border-top:1px solid #b1b4b6;padding:1rem;color:#383f43}
@media (max-width:30rem){h1{font-size:1.5rem}table{font-size:.95rem}}
`;
