; code: ACME002
; name: celery-task-time-limit
; category: conventions
; severity: warning
; message: Celery task without `time_limit`: a stuck task holds its worker until someone kills it
;
; ## What it does
; Finds functions decorated with `@app.task(...)`, `@shared_task(...)` or `@celery.task(...)`
; (bare or called) that set neither `time_limit` nor `soft_time_limit`.
;
; ## Why is this bad?
; Without a limit, one task stuck on a network call or an infinite loop blocks a worker process
; for good; enough of them and the queue stops moving.
;
; ## Example
; ```python
; @app.task
; def sync_orders(): ...
; ```
;
; ## Use instead
; ```python
; @app.task(time_limit=300, soft_time_limit=240)
; def sync_orders(): ...
; ```

; `@app.task(...)` / `@shared_task(...)` called without a limit.
(decorator
  (call
    function: [
      (attribute attribute: (identifier) @_name)
      (identifier) @_name
    ]
    arguments: (argument_list) @_args) @diagnostic
  (#any-of? @_name "task" "shared_task")
  (#pf-lacks-keyword? @_args "time_limit" "soft_time_limit"))

; `@app.task` / `@shared_task` used bare.
(decorator
  [
    (attribute attribute: (identifier) @_name)
    (identifier) @_name
  ] @diagnostic
  (#any-of? @_name "task" "shared_task"))
