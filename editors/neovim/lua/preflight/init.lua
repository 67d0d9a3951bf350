--- Preflight for Neovim's built-in LSP client.
---
--- Neovim 0.11+ gets `vim.lsp.config` + `vim.lsp.enable`; older releases, down to 0.7 (Debian's
--- package), get the same behaviour from `vim.lsp.start_client` + `vim.lsp.buf_attach_client`,
--- one client per project root. No analysis happens here: this file only says how to start
--- `preflight server` and which settings to pass.
local M = {}

--- Defaults; `setup(opts)` merges the user's table over them.
M.defaults = {
  -- The server command. `preflight` must be on PATH (pip install preflight, cargo install --path server).
  cmd = { "preflight", "server" },
  filetypes = { "python" },
  -- The nearest folder holding one of these is the project root (the server never reads
  -- configuration above it); without one, the file's own folder.
  root_markers = { "pyproject.toml", "preflight.toml", "setup.cfg", "setup.py", ".git" },
  -- Passed as `initializationOptions` (README, "Configuration" and "The language server"):
  -- run = "onType" | "onSave", select, ignore, extendSelect, severity, debounceMs, ...
  settings = {},
}

local options = vim.deepcopy(M.defaults)

--- The server configuration in `vim.lsp.config` form (also what `lsp/preflight.lua` returns).
function M.config()
  return {
    cmd = options.cmd,
    filetypes = options.filetypes,
    root_markers = options.root_markers,
    init_options = options.settings,
    -- didChangeConfiguration carries the same settings under `preflight`.
    settings = { preflight = options.settings },
  }
end

local function has_new_api()
  return vim.fn.has("nvim-0.11") == 1 and vim.lsp.config ~= nil and vim.lsp.enable ~= nil
end

--- The nearest ancestor of `path` (a file) holding a root marker, else the file's folder.
--- Written with `vim.loop` only because `vim.fs` arrived in 0.8.
local function find_root(path, markers)
  local dir = vim.fn.fnamemodify(path, ":p:h")
  local home = vim.loop.os_homedir()
  local current = dir
  while current and current ~= "" do
    for _, marker in ipairs(markers) do
      if vim.loop.fs_stat(current .. "/" .. marker) then
        return current
      end
    end
    local parent = vim.fn.fnamemodify(current, ":h")
    if parent == current or current == home then
      break
    end
    current = parent
  end
  return dir
end

-- Fallback state: one client id per root folder.
local clients_by_root = {}

--- Starts (or reuses) the client for `bufnr`'s project and attaches it. Returns the client id.
function M.attach(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == "" or vim.bo[bufnr].buftype ~= "" then
    return nil
  end
  local root = find_root(name, options.root_markers)
  local id = clients_by_root[root]
  local client = id and vim.lsp.get_client_by_id(id)
  if not client or client.is_stopped() then
    id = vim.lsp.start_client({
      name = "preflight",
      cmd = options.cmd,
      root_dir = root,
      workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
      init_options = options.settings,
      settings = { preflight = options.settings },
      on_exit = function()
        clients_by_root[root] = nil
      end,
    })
    if not id then
      vim.notify(
        "Preflight: could not start `" .. table.concat(options.cmd, " ") .. "`; is preflight installed?",
        vim.log.levels.ERROR
      )
      return nil
    end
    clients_by_root[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

--- The running Preflight client attached to `bufnr`, if any.
function M.client(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  -- `get_clients` is 0.10+; `buf_get_clients` is what 0.7-0.9 have.
  local clients = vim.lsp.get_clients and vim.lsp.get_clients({ bufnr = bufnr }) or vim.lsp.buf_get_clients(bufnr)
  for _, client in pairs(clients) do
    if client.name == "preflight" then
      return client
    end
  end
  return nil
end

--- Applies every safe fix in the buffer (`source.fixAll.preflight`), synchronously, so that it
--- can run from a BufWritePre autocommand. Returns true when an edit was applied.
function M.fix_all(bufnr, timeout_ms)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local client = M.client(bufnr)
  if not client then
    return false
  end
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = { start = { line = 0, character = 0 }, ["end"] = { line = 0, character = 0 } },
    context = { diagnostics = {}, only = { "source.fixAll.preflight" } },
  }
  local response, err = client.request_sync("textDocument/codeAction", params, timeout_ms or 2000, bufnr)
  if err or not response or response.err then
    vim.notify("Preflight: fix all failed: " .. tostring(err or (response and response.err and response.err.message)),
      vim.log.levels.WARN)
    return false
  end
  for _, action in ipairs(response.result or {}) do
    if action.edit then
      vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding)
      return true
    end
  end
  return false
end

--- Configures Preflight. `opts` may set `cmd`, `filetypes`, `root_markers`, `settings`,
--- `fix_on_save` (apply every safe fix before writing) and `force_fallback` (use the 0.7-0.10 path
--- on 0.11+ too, which is how that path is tested on any release).
function M.setup(opts)
  opts = opts or {}
  options = vim.tbl_deep_extend("force", vim.deepcopy(M.defaults), opts)
  -- Lists replace the defaults rather than merging by index.
  for _, key in ipairs({ "cmd", "filetypes", "root_markers" }) do
    if opts[key] then
      options[key] = opts[key]
    end
  end

  vim.api.nvim_create_user_command("PreflightFixAll", function()
    M.fix_all(0)
  end, { desc = "Preflight: apply every safe fix in this buffer" })

  local group = vim.api.nvim_create_augroup("preflight", { clear = true })
  if opts.fix_on_save then
    vim.api.nvim_create_autocmd("BufWritePre", {
      group = group,
      callback = function(args)
        if M.client(args.buf) then
          M.fix_all(args.buf)
        end
      end,
    })
  end

  if has_new_api() and not opts.force_fallback then
    vim.lsp.config("preflight", M.config())
    vim.lsp.enable("preflight")
    return
  end

  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = options.filetypes,
    callback = function(args)
      M.attach(args.buf)
    end,
  })
  -- Buffers already open when setup runs (a lazy-loaded plugin) are attached too.
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.tbl_contains(options.filetypes, vim.bo[bufnr].filetype) then
      M.attach(bufnr)
    end
  end
end

return M
