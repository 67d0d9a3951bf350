-- Preflight for Neovim 0.11+: found on 'runtimepath' by `vim.lsp.enable("preflight")`.
-- Data only; `require("preflight").setup()` does the same and also supports Neovim 0.7-0.10.
return require("preflight").config()
