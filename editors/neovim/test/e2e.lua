-- End-to-end test of Preflight in a real Neovim (headless), through `require("preflight").setup`.
--
-- Environment: PREFLIGHT_BIN (the binary), PREFLIGHT_FILE (a scratch copy of test/fixture.py),
-- PREFLIGHT_MODE (`onType` or `onSave`). Exits 0 on success; on failure prints why and exits 1
-- (`cquit`), so the calling script fails.

local started = vim.loop.hrtime()
local function log(msg)
  io.stderr:write(string.format("[nvim %s %6.0f ms] %s\n", os.getenv("PREFLIGHT_MODE"),
    (vim.loop.hrtime() - started) / 1e6, msg))
end

local function fail(msg)
  log("FAIL: " .. msg)
  vim.cmd("cquit 1")
end

local function check(cond, msg)
  if not cond then
    error(msg, 2)
  end
end

local TIMEOUT = 15000

local function buffer_text(bufnr)
  return table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), "\n") .. "\n"
end

local function codes(bufnr)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.source == "preflight" then
      table.insert(out, d.code)
    end
  end
  table.sort(out)
  return table.concat(out, ",")
end

local function wait_codes(bufnr, want, what)
  local ok = vim.wait(TIMEOUT, function()
    return codes(bufnr) == want
  end, 10)
  check(ok, string.format("%s: wanted diagnostics [%s], have [%s]", what, want, codes(bufnr)))
end

local function diagnostic(bufnr, code)
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.code == code then
      return d
    end
  end
  error("no " .. code .. " diagnostic")
end

--- Asks the server for the quick fixes at a diagnostic, as `vim.lsp.buf.code_action()` would.
local function quick_fixes(bufnr, client, d)
  vim.api.nvim_win_set_cursor(0, { d.lnum + 1, d.col })
  local params = vim.lsp.util.make_range_params(0, client.offset_encoding)
  params.context = { diagnostics = vim.lsp.diagnostic.get_line_diagnostics(bufnr), only = { "quickfix" } }
  local response, err = client.request_sync("textDocument/codeAction", params, TIMEOUT, bufnr)
  check(response and not response.err, "codeAction failed: " .. vim.inspect(err or response))
  return response.result or {}
end

local function preferred(actions)
  for _, action in ipairs(actions) do
    if action.isPreferred then
      return action
    end
  end
  return nil
end

local function run()
  local bin = assert(os.getenv("PREFLIGHT_BIN"), "PREFLIGHT_BIN")
  local file = assert(os.getenv("PREFLIGHT_FILE"), "PREFLIGHT_FILE")
  local mode = os.getenv("PREFLIGHT_MODE") or "onType"
  log("Neovim " .. tostring(vim.version().major) .. "." .. tostring(vim.version().minor) .. "." .. tostring(vim.version().patch))

  vim.cmd("filetype on")
  -- The fallback path (start_client + buf_attach_client) on every release, so the same test runs
  -- on Debian's 0.7 and on 0.11+.
  require("preflight").setup({
    cmd = { bin, "server" },
    -- The rules this test is about (which also shows that settings reach the server).
    settings = { run = mode, debounceMs = 0, select = { "PF101", "PF201" } },
    force_fallback = true,
  })
  vim.cmd("edit " .. vim.fn.fnameescape(file))
  local bufnr = vim.api.nvim_get_current_buf()
  check(vim.bo[bufnr].filetype == "python", "filetype is " .. vim.bo[bufnr].filetype)

  wait_codes(bufnr, "PF101,PF201", "after opening")
  local client = require("preflight").client(bufnr)
  check(client ~= nil, "no preflight client attached")
  log("diagnostics on open: " .. codes(bufnr) .. " (offset encoding " .. client.offset_encoding .. ")")

  if mode == "onType" then
    -- The timeout quick fix: offered first and preferred, then "Ignore PF201 on this line".
    local d = diagnostic(bufnr, "PF201")
    check(d.lnum == 4, "PF201 on line " .. d.lnum)
    local actions = quick_fixes(bufnr, client, d)
    local titles = {}
    for _, a in ipairs(actions) do
      table.insert(titles, a.title)
    end
    log("code actions: " .. table.concat(titles, " | "))
    local fix = preferred(actions)
    check(fix and fix.kind == "quickfix", "no preferred quick fix: " .. vim.inspect(titles))
    check(vim.tbl_contains(titles, "Ignore PF201 on this line"), "no ignore action")
    vim.lsp.util.apply_workspace_edit(fix.edit, client.offset_encoding)
    local line = vim.api.nvim_buf_get_lines(bufnr, 4, 5, false)[1]
    check(line == "    return requests.get(url, timeout=10)", "line 5 after the fix: " .. line)
    -- The edit reaches the server as didChange and the diagnostic goes away.
    wait_codes(bufnr, "PF101", "after the timeout fix")
    log("PF201 fixed by its quick fix; diagnostics now: " .. codes(bufnr))

    -- Fix all (:PreflightFixAll, source.fixAll.preflight) handles the rest, logger included.
    vim.cmd("PreflightFixAll")
    wait_codes(bufnr, "", "after :PreflightFixAll")
    local text = buffer_text(bufnr)
    check(text:find('logger.exception("Suppressed error in ping")', 1, true), "fix-all result:\n" .. text)
    check(text:find("import logging\n", 1, true), "no import logging:\n" .. text)
    vim.cmd("silent write")
    local saved = table.concat(vim.fn.readfile(file), "\n") .. "\n"
    check(saved == text, "the saved file differs from the buffer")
    log("fix all applied; file saved clean")
  else
    -- onSave: edit the buffer so that PF201 is fixed; nothing is published until :write.
    local line = vim.api.nvim_buf_get_lines(bufnr, 4, 5, false)[1]
    vim.api.nvim_buf_set_lines(bufnr, 4, 5, false, { (line:gsub("%(url%)", "(url, timeout=5)")) })
    -- The server has the new text: no quick fix is offered for the old PF201 any more ...
    local actions = quick_fixes(bufnr, client, diagnostic(bufnr, "PF201"))
    check(preferred(actions) == nil, "the server did not see the edit: " .. vim.inspect(actions))
    -- ... but the editor still shows the diagnostics of the last save.
    vim.wait(700, function()
      return false
    end, 50)
    check(codes(bufnr) == "PF101,PF201", "diagnostics changed before saving: " .. codes(bufnr))
    log("after an edit, no update before :write (still " .. codes(bufnr) .. ")")
    vim.cmd("silent write")
    wait_codes(bufnr, "PF101", "after :write")
    log("after :write: " .. codes(bufnr))
    -- And the other way: a new problem typed in shows up only on save.
    vim.api.nvim_buf_set_lines(bufnr, -1, -1, false, { "", "", "def check(host):", "    return requests.head(host)" })
    vim.wait(700, function()
      return false
    end, 50)
    check(codes(bufnr) == "PF101", "published before saving: " .. codes(bufnr))
    vim.cmd("silent write")
    wait_codes(bufnr, "PF101,PF201", "after the second :write")
    log("new problem shown after the second :write: " .. codes(bufnr))
  end

  vim.lsp.stop_client(client.id)
  vim.wait(TIMEOUT, function()
    return client.is_stopped()
  end, 20)
  log("PASS")
end

local ok, err = xpcall(run, debug.traceback)
if ok then
  vim.cmd("qall!")
else
  fail(tostring(err))
end
