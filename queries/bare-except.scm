; code: PF102
; name: bare-except
; category: error-handling
; severity: warning
; message: Bare `except:` also catches KeyboardInterrupt and SystemExit, so the process cannot be stopped cleanly
; fix: except-exception
; twins: E722
;
; ## What it does
; Finds `except:` handlers that name no exception type.
;
; ## Why is this bad?
; A bare `except:` catches `BaseException`: besides errors it swallows `KeyboardInterrupt`,
; `SystemExit` (raised by `sys.exit()` and by process managers asking a worker to stop) and
; `GeneratorExit`. A worker that should shut down on a deploy keeps running, gets killed with
; SIGKILL, and loses the work in flight.
;
; ## Example
; ```python
; try:
;     job.run()
; except:
;     logger.exception("job failed")
; ```
;
; ## Use instead
; ```python
; try:
;     job.run()
; except Exception:
;     logger.exception("job failed")
; ```
;
; ## Fix
; Replaces `except:` with `except Exception:`. Safe: the handler still catches every error; only the
; signals to stop now get through, which is the point.
;
; ## Related
; ruff E722, pycodestyle E722, pylint W0702, bandit B110 (when the body is `pass`).

(except_clause
  !value
  "except" @diagnostic)
