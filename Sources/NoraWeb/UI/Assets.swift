/// The stylesheet and the one small script of the UI, compiled into the binary and served
/// from `/ui/static/` (same origin, so the Content-Security-Policy needs no inline code).
enum Assets {
    static let css = """
    :root { color-scheme: light dark; --bg: #ffffff; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de;
      --panel: #f6f8fa; --accent: #0550ae; --accent-fg: #ffffff; --bad: #a40e26; --warn: #7d4e00; --ok: #116329; }
    @media (prefers-color-scheme: dark) {
      :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9da7b3; --line: #30363d; --panel: #161b22;
        --accent: #58a6ff; --accent-fg: #0d1117; --bad: #ff7b72; --warn: #e3b341; --ok: #56d364; }
    }
    * { box-sizing: border-box; }
    body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--fg); }
    a { color: var(--accent); }
    a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
    .skip { position: absolute; left: -999px; } .skip:focus { left: 8px; top: 8px; background: var(--panel); padding: 4px 8px; z-index: 2; }
    header.site { border-bottom: 1px solid var(--line); background: var(--panel); }
    header.site .bar { max-width: 1200px; margin: 0 auto; padding: 8px 16px; display: flex; flex-wrap: wrap; gap: 8px 20px; align-items: center; }
    header.site .brand { font-weight: 700; font-size: 1.2rem; text-decoration: none; color: var(--fg); }
    nav ul { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 4px 14px; }
    nav a[aria-current="page"] { font-weight: 700; text-decoration: none; }
    main { max-width: 1200px; margin: 0 auto; padding: 16px; }
    footer.site { max-width: 1200px; margin: 0 auto; padding: 16px; color: var(--muted); font-size: .875rem; }
    h1 { font-size: 1.6rem; margin: .4em 0; word-break: break-word; } h2 { font-size: 1.25rem; margin-top: 1.5em; }
    .muted { color: var(--muted); }
    .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 12px; padding: 0; list-style: none; }
    .card { border: 1px solid var(--line); border-radius: 8px; padding: 12px; background: var(--panel); }
    .card h3 { margin: 0 0 4px; font-size: 1.05rem; }
    .table-wrap { overflow-x: auto; }
    table { border-collapse: collapse; width: 100%; }
    th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
    th { font-size: .875rem; color: var(--muted); }
    code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .875rem; }
    td.mono, .digest { word-break: break-all; }
    pre { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 10px; overflow-x: auto; white-space: pre-wrap; word-break: break-word; }
    .snippet h3 { margin: .8em 0 .3em; font-size: 1rem; }
    .snippet-body { position: relative; }
    .snippet-body pre { padding-right: 5.5em; }
    .snippet-body button { position: absolute; top: 6px; right: 6px; }
    form.inline { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; margin: 8px 0; }
    label { display: block; font-size: .875rem; color: var(--muted); }
    p.hint { font-size: .75rem; margin: 0 0 8px; }
    code { overflow-wrap: anywhere; }
    input, select, textarea { max-width: 100%; }
    input, select, textarea, button { font: inherit; color: var(--fg); background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 6px 8px; }
    button, .button { background: var(--accent); color: var(--accent-fg); border-color: var(--accent); cursor: pointer; text-decoration: none; display: inline-block; }
    button.secondary { background: var(--panel); color: var(--fg); border-color: var(--line); }
    .badge { display: inline-block; font-size: .75rem; border: 1px solid currentColor; border-radius: 999px; padding: 0 6px; margin-left: 4px; }
    .bad { color: var(--bad); } .warn { color: var(--warn); } .ok { color: var(--ok); }
    .notice { border: 1px solid var(--line); border-left: 4px solid var(--accent); padding: 8px 12px; background: var(--panel); margin: 12px 0; }
    .notice.error { border-left-color: var(--bad); }
    .pager { display: flex; gap: 16px; margin: 12px 0; }
    .readme { max-height: 40em; overflow: auto; }
    .ops li { margin: 6px 0; } .method { display: inline-block; min-width: 4.5em; font-weight: 700; }
    .ops output { display: block; white-space: pre-wrap; width: 100%; word-break: break-all; }
    details { margin: 6px 0; } summary { cursor: pointer; }
    @media (max-width: 600px) { .hide-narrow { display: none; } h1 { font-size: 1.3rem; } main { padding: 10px; } }
    """

    /// Copy buttons for snippets and the API explorer's "send" buttons; the pages work without it.
    static let js = """
    "use strict";
    document.querySelectorAll("pre[data-copy]").forEach(function (pre) {
      if (!navigator.clipboard) { return; }
      var button = document.createElement("button");
      button.type = "button"; button.className = "secondary"; button.textContent = "Copy";
      button.setAttribute("aria-label", "Copy to clipboard");
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(pre.textContent).then(function () { button.textContent = "Copied"; }, function () {});
      });
      pre.parentNode.insertBefore(button, pre);
    });
    document.querySelectorAll("form[data-explorer]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var path = form.dataset.path;
        form.querySelectorAll("input[data-in=path]").forEach(function (input) {
          path = path.replace("{" + input.name + "}", encodeURIComponent(input.value).replace(/%2F/g, "/"));
        });
        var query = [];
        form.querySelectorAll("input[data-in=query]").forEach(function (input) {
          if (input.value !== "") { query.push(encodeURIComponent(input.name) + "=" + encodeURIComponent(input.value)); }
        });
        if (query.length) { path += "?" + query.join("&"); }
        var options = { method: form.dataset.method, headers: {}, credentials: "same-origin" };
        var auth = document.getElementById("explorer-auth");
        if (auth && auth.value !== "") { options.headers["Authorization"] = auth.value; }
        var body = form.querySelector("textarea[name=body]");
        if (body && body.value.trim() !== "") { options.body = body.value; options.headers["Content-Type"] = "application/json"; }
        var output = form.querySelector("output");
        output.textContent = "…";
        fetch(path, options).then(function (response) {
          return response.text().then(function (text) {
            output.textContent = response.status + " " + response.statusText + "\\n\\n" + text.slice(0, 20000);
          });
        }, function (error) { output.textContent = String(error); });
      });
    });
    """
}
