//! PF108 print-in-service: `print()` in a module that serves requests.

use super::RuleMeta;
use crate::analysis::kinds::Field;
use crate::analysis::semantic::CallArgs;
use crate::analysis::web::under_main_guard;
use crate::analysis::{Context, Edit, Finding, Fix, Safety, Severity};
use crate::fix::imports::ensure_logger;

pub static META: RuleMeta = RuleMeta {
    code: "PF108",
    name: "print-in-service",
    category: "observability",
    severity: Severity::Info,
    summary: "`print()` in code that serves requests: use the logger",
    fixable: true,
    twins: &["T201"],
    doc: r#"## What it does
Finds `print(...)` calls in modules that define request handlers (Flask/FastAPI/Starlette routes,
Django views). Prints under `if __name__ == "__main__":` and prints to an explicit `file=` are left
alone.

## Why is this bad?
`print` output has no level, no timestamp, no logger name and no request context; it cannot be
filtered, routed or silenced, it is block-buffered when stdout is not a terminal (so it shows up
late or is lost when a worker is killed), and log aggregators cannot tell it from a crash message.

## Example
```python
@app.post("/orders")
def create_order():
    print("creating order", request.json["id"])
```

## Use instead
```python
@app.post("/orders")
def create_order():
    logger.info("creating order %s", request.json["id"])
```

## Fix
Rewrites the call to `logger.info(...)` — one string argument is kept as the message, other
arguments become `"%s %s", a, b` — reusing or adding the module logger. Unsafe: the text now goes
through logging, which drops INFO records until logging is configured.

## Related
ruff T201, flake8-print."#,
};

/// The `logger.info(...)` arguments for a print's arguments.
fn log_arguments(ctx: &Context, args: &CallArgs) -> Option<String> {
    if !args.keywords.is_empty() || args.has_star || args.has_double_star {
        return None;
    }
    match args.positional.as_slice() {
        [] => None,
        [one] if one.kind() == "string" => Some(ctx.text(*one).to_string()),
        many => {
            let format = vec!["%s"; many.len()].join(" ");
            let rest: Vec<&str> = many.iter().map(|a| ctx.text(*a)).collect();
            Some(format!("\"{format}\", {}", rest.join(", ")))
        }
    }
}

/// Checks one file.
pub fn check(ctx: &Context, meta: &'static RuleMeta, out: &mut Vec<Finding>) {
    if !ctx.web().serves_requests() || ctx.imports().get("print").is_some() {
        return;
    }
    ctx.walk(&["call"], |call| {
        let Some(function) = call
            .field("function")
            .filter(|f| f.kind() == "identifier" && ctx.text(*f) == "print")
        else {
            return;
        };
        let args = CallArgs::of(call, ctx.source);
        if args.keyword("file").is_some() || under_main_guard(ctx, call) {
            return;
        }
        let fix = log_arguments(ctx, &args).and_then(|arguments| {
            let (logger, mut edits) = ensure_logger(ctx, call.start_byte())?;
            edits.push(Edit::replace(
                call.byte_range(),
                format!("{logger}.info({arguments})"),
            ));
            Some(Fix::new(
                format!("Log with `{logger}.info`"),
                Safety::Unsafe,
                edits,
            ))
        });
        out.push(Finding::new(
            meta,
            function.byte_range(),
            "`print()` in a module that serves requests: its output has no level or context and \
             may be lost. Use the logger",
            fix,
        ));
    });
}
