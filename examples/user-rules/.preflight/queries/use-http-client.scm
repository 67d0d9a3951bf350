; code: ACME001
; name: use-http-client
; category: conventions
; severity: warning
; message: Call `http_client.{_method}` instead of `requests.{_method}`: our client sets timeouts, retries and tracing headers
; fix-replace: http_client.{_method}
;
; ## What it does
; Finds direct calls of the `requests` module (`requests.get`, `requests.post`, …), however it
; was imported (`import requests as r` too).
;
; ## Why is this bad?
; Our `http_client` wraps requests with the timeouts, retries and trace propagation every service
; call needs; a direct call skips all three.
;
; ## Example
; ```python
; requests.get(url)
; ```
;
; ## Use instead
; ```python
; http_client.get(url)
; ```
;
; ## Fix
; Replaces `requests.<method>` with `http_client.<method>` (unsafe: check the import).

((call
  function: (attribute
    object: (identifier) @_module
    attribute: (identifier) @_method) @diagnostic)
  (#pf-resolves-to? @_module "requests")
  (#any-of? @_method "get" "post" "put" "patch" "delete" "head" "options" "request"))
