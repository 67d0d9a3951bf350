//! Reading a Dockerfile for the two checklist items it decides: does the final image run as a
//! non-root `USER`, and does it declare a `HEALTHCHECK`. Also what it runs (`CMD`/`ENTRYPOINT`),
//! since a server such as gunicorn handles SIGTERM itself.

/// What one Dockerfile says about its final stage.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dockerfile {
    /// The last `USER` of the final stage: 1-based line and the user (without `:group`).
    pub user: Option<(usize, String)>,
    /// The final stage's `FROM` line and image.
    pub from: Option<(usize, String)>,
    /// `HEALTHCHECK` (not `HEALTHCHECK NONE`) in the final stage.
    pub healthcheck: Option<usize>,
    /// The final stage's `CMD`/`ENTRYPOINT` lines and text.
    pub commands: Vec<(usize, String)>,
}

impl Dockerfile {
    /// Parses a Dockerfile: continuation lines joined, comments skipped, instructions matched
    /// without regard to case. Unknown lines are ignored.
    pub fn parse(text: &str) -> Dockerfile {
        let mut out = Dockerfile::default();
        let mut pending: Option<(usize, String)> = None;
        for (i, raw) in text.lines().enumerate() {
            let trimmed = raw.trim();
            if pending.is_none() && (trimmed.is_empty() || trimmed.starts_with('#')) {
                continue;
            }
            let (start, mut joined) = pending.take().unwrap_or((i + 1, String::new()));
            if trimmed.starts_with('#') {
                // Comments inside a continued instruction are dropped by Docker.
                pending = Some((start, joined));
                continue;
            }
            if let Some(before) = trimmed.strip_suffix('\\') {
                joined.push_str(before);
                joined.push(' ');
                pending = Some((start, joined));
                continue;
            }
            joined.push_str(trimmed);
            out.instruction(start, &joined);
        }
        if let Some((start, joined)) = pending {
            out.instruction(start, &joined);
        }
        out
    }

    fn instruction(&mut self, line: usize, text: &str) {
        let (keyword, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
        let rest = rest.trim();
        match keyword.to_ascii_uppercase().as_str() {
            "FROM" => {
                // A new stage: what an earlier stage said no longer applies to the final image.
                let image = rest
                    .split_whitespace()
                    .find(|w| !w.starts_with("--"))
                    .unwrap_or("")
                    .to_string();
                *self = Dockerfile {
                    from: Some((line, image)),
                    ..Dockerfile::default()
                };
            }
            "USER" => {
                let user = rest.split(':').next().unwrap_or("").trim().to_string();
                self.user = Some((line, user));
            }
            "HEALTHCHECK" => {
                self.healthcheck = (!rest.eq_ignore_ascii_case("none")).then_some(line);
            }
            "CMD" | "ENTRYPOINT" => self.commands.push((line, rest.to_string())),
            _ => {}
        }
    }

    /// Whether the final image runs as root: no `USER` (and a base image not known to be
    /// non-root), or `USER root`/`USER 0`.
    pub fn runs_as_root(&self) -> bool {
        match &self.user {
            Some((_, user)) => matches!(user.as_str(), "root" | "0" | ""),
            None => !self
                .from
                .as_ref()
                .is_some_and(|(_, image)| image.contains("nonroot")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_final_stage_decides() {
        let text = "FROM python:3.12 AS build\nUSER app\nHEALTHCHECK CMD true\n\nFROM python:3.12-slim\n# runtime\nRUN pip install \\\n    gunicorn\nCMD [\"gunicorn\", \"app:app\"]\n";
        let d = Dockerfile::parse(text);
        assert_eq!(d.from, Some((5, "python:3.12-slim".into())));
        assert!(d.runs_as_root(), "USER was set in the build stage only");
        assert_eq!(d.healthcheck, None);
        assert_eq!(d.commands, [(9, "[\"gunicorn\", \"app:app\"]".into())]);
    }

    #[test]
    fn users_and_healthchecks() {
        let d = Dockerfile::parse("from python:3.12\nuser 1000:1000\nhealthcheck --interval=30s \\\n  CMD curl -f http://localhost/healthz\n");
        assert!(!d.runs_as_root());
        assert_eq!(d.user, Some((2, "1000".into())));
        assert_eq!(d.healthcheck, Some(3));
        let d = Dockerfile::parse("FROM x\nUSER root\nHEALTHCHECK NONE\n");
        assert!(d.runs_as_root());
        assert_eq!(d.healthcheck, None);
        assert!(!Dockerfile::parse("FROM gcr.io/distroless/python3:nonroot\n").runs_as_root());
        assert!(Dockerfile::parse("\u{0}\u{1}garbage\n").runs_as_root());
    }
}
