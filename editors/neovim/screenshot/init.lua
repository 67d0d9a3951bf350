-- Minimal Neovim configuration for the README screenshot (screenshot.sh): the plugin from this
-- repository, line numbers, signs and virtual text, and the binary from PREFLIGHT_BIN.
local here = debug.getinfo(1, "S").source:sub(2):match("(.*)/")
vim.opt.runtimepath:prepend(here .. "/..")
vim.cmd("filetype on")
vim.cmd("syntax on")
vim.o.number = true
vim.o.signcolumn = "yes"
vim.o.termguicolors = true
vim.o.laststatus = 2
vim.o.ruler = false
vim.o.showmode = false
vim.o.shortmess = vim.o.shortmess .. "I"
vim.cmd("highlight SignColumn guibg=NONE ctermbg=NONE")
vim.diagnostic.config({ virtual_text = { prefix = "●", spacing = 2 }, signs = true, underline = true })
require("preflight").setup({
  cmd = { os.getenv("PREFLIGHT_BIN") or "preflight", "server" },
  force_fallback = true,
})
