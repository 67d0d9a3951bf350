; code: PF101
; name: swallowed-exception
; category: error-handling
; severity: warning
; message: Exception swallowed: this handler catches every error and does nothing, so failures in production vanish without a trace
; fix: log-exception
; twins: S110, B110
;
; ## What it does
; Finds `except:`, `except Exception:` and `except BaseException:` handlers (alone or in a tuple,
; with or without `as e`) whose body is only `pass` or `...`.
;
; ## Why is this bad?
; A broad handler that does nothing turns every failure inside the `try` — a typo, a timeout, a full
; disk, a bug in a dependency — into silence. In production nobody sees a traceback, no alert fires,
; and the service carries on with missing data until a user reports the symptom days later.
;
; ## Example
; ```python
; try:
;     send_receipt(order)
; except Exception:
;     pass
; ```
;
; ## Use instead
; ```python
; try:
;     send_receipt(order)
; except Exception:
;     logger.exception("Suppressed error in checkout")
; ```
; Or catch only the exceptions you expect and can ignore (`except FileNotFoundError:`).
;
; ## Fix
; Replaces the empty body with `logger.exception("Suppressed error in <function>")`, which logs the
; traceback and keeps the handler's behaviour otherwise. It reuses the module's logger (`logger`,
; `log`, `LOGGER`, `_logger`, … created with `logging.getLogger`, or loguru's `logger`); when there is
; none it adds `import logging` among the imports and `logger = logging.getLogger(__name__)` after them.
; Safe: only logging is added.
;
; ## Related
; ruff S110 (try-except-pass) and BLE001, bandit B110, pylint W0702/W0718.

; A bare `except:`.
(except_clause
  !value
  (block) @_body
  (#pf-empty-body? @_body)) @diagnostic

; `except Exception:` and `except Exception as e:`.
(except_clause
  value: [
    (identifier) @_type
    (as_pattern . (identifier) @_type)
    (tuple (identifier) @_type)
    (as_pattern . (tuple (identifier) @_type))
    (parenthesized_expression (identifier) @_type)
  ]
  (block) @_body
  (#any-of? @_type "Exception" "BaseException")
  (#pf-empty-body? @_body)) @diagnostic
