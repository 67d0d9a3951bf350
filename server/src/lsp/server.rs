//! The `LanguageServer` handlers. They stay thin: update the store, schedule an analysis, convert.
//!
//! Ordering invariant: `did_open`/`did_change` apply their edit to the store before their first
//! `.await`, because the transport may run several handlers at once; an edit applied after an await
//! could overtake the next one.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use super::convert;
use super::store::{Analysis, Entry, Store};
use crate::analysis::{self, suppression, Finding};
use crate::fix::apply::{fix_all, FixMode};
use crate::text::document::Limits;
use crate::text::{Document, PositionEncoding, TextChange};

/// Debounce between a change and its analysis unless the client sets `debounceMs`.
const DEFAULT_DEBOUNCE_MS: u64 = 50;

/// How long the rules may run on one version of one file before the rest are skipped.
const DEFAULT_ANALYSIS_BUDGET_MS: u64 = 2_000;

/// Options a client may pass in `initializationOptions`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct InitOptions {
    debounce_ms: Option<u64>,
    /// Documents larger than this (bytes) are not analysed.
    max_file_size: Option<usize>,
    /// Milliseconds a parse may take before the document is skipped.
    parse_budget_ms: Option<u64>,
    /// Milliseconds the rules may take on one version before the rest are skipped.
    analysis_budget_ms: Option<u64>,
}

/// State shared by every handler and background analysis.
struct Shared {
    client: Client,
    store: Store,
    encoding: OnceLock<PositionEncoding>,
    debounce_ms: AtomicU64,
    analysis_budget_ms: AtomicU64,
    limits: OnceLock<Limits>,
    shutdown: Arc<AtomicBool>,
    /// Serialises publishing so that a slow analysis of an old version never lands after a newer one.
    publish: tokio::sync::Mutex<()>,
}

/// The server.
pub struct Backend {
    shared: Arc<Shared>,
}

impl Backend {
    /// Creates the server; `shutdown` is set when the client sends `shutdown`.
    pub fn new(client: Client, shutdown: Arc<AtomicBool>) -> Self {
        Backend {
            shared: Arc::new(Shared {
                client,
                store: Store::default(),
                encoding: OnceLock::new(),
                debounce_ms: AtomicU64::new(DEFAULT_DEBOUNCE_MS),
                analysis_budget_ms: AtomicU64::new(DEFAULT_ANALYSIS_BUDGET_MS),
                limits: OnceLock::new(),
                shutdown,
                publish: tokio::sync::Mutex::new(()),
            }),
        }
    }

    fn encoding(&self) -> PositionEncoding {
        self.shared.encoding()
    }
}

impl Shared {
    fn encoding(&self) -> PositionEncoding {
        self.encoding.get().copied().unwrap_or_default()
    }

    /// Analyses the current version of a document (reusing a stored analysis of the same version).
    async fn analyse(self: &Arc<Self>, uri: &Uri) -> Option<Analysis> {
        if let Some(entry) = self.store.docs.get(uri) {
            if let Some(a) = entry
                .analysis
                .as_ref()
                .filter(|a| a.version == entry.doc.version)
            {
                return Some(a.clone());
            }
        }
        let snapshot = self.store.snapshot(uri)?;
        let text = snapshot.text.clone();
        let budget = Duration::from_millis(self.analysis_budget_ms.load(Ordering::Relaxed));
        let (version, skipped) = (snapshot.version, snapshot.skipped);
        let joined = tokio::task::spawn_blocking(move || {
            let tree = snapshot.tree?;
            Some(analysis::analyze_until(
                &snapshot.text,
                &tree,
                Some(Instant::now() + budget),
            ))
        })
        .await;
        let (findings, notice) = match joined {
            Ok(Some(a)) => {
                let notice = (!a.skipped_rules.is_empty()).then(|| {
                    format!(
                        "Preflight stopped analysing this file after {} ms; rules not run: {}",
                        budget.as_millis(),
                        a.skipped_rules.join(", ")
                    )
                });
                (Arc::new(a.findings), notice)
            }
            Ok(None) => (Arc::new(Vec::new()), skipped.map(|s| s.to_string())),
            Err(e) => {
                tracing::error!(uri = uri.as_str(), "analysis failed: {e}");
                return None;
            }
        };
        if let Some(notice) = &notice {
            tracing::info!(uri = uri.as_str(), "{notice}");
        }
        let result = Analysis {
            version,
            text,
            findings,
            notice,
        };
        if let Some(mut entry) = self.store.docs.get_mut(uri) {
            if entry.doc.version == result.version {
                entry.analysis = Some(result.clone());
            }
        }
        Some(result)
    }

    /// Analyses `version` after `delay` and publishes its diagnostics, unless a newer version
    /// arrived in the meantime (its own task will publish).
    fn schedule(self: &Arc<Self>, uri: Uri, version: i32, delay: Duration) {
        let this = self.clone();
        tokio::spawn(async move {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            if this.store.version(&uri) != Some(version) {
                return;
            }
            let Some(analysis) = this.analyse(&uri).await else {
                return;
            };
            let _guard = this.publish.lock().await;
            let diagnostics = {
                let Some(mut entry) = this.store.docs.get_mut(&uri) else {
                    return;
                };
                if entry.doc.version != analysis.version
                    || entry.published.is_some_and(|p| p > analysis.version)
                {
                    return;
                }
                entry.published = Some(analysis.version);
                let enc = this.encoding();
                let rope = &entry.doc.rope;
                let mut diagnostics: Vec<Diagnostic> = analysis
                    .findings
                    .iter()
                    .map(|f| convert::to_diagnostic(rope, f, enc))
                    .collect();
                diagnostics.extend(analysis.notice.as_deref().map(convert::notice));
                diagnostics
            };
            this.client
                .publish_diagnostics(uri, diagnostics, Some(analysis.version))
                .await;
        });
    }
}

fn negotiate_encoding(params: &InitializeParams) -> PositionEncoding {
    let offered = params
        .capabilities
        .general
        .as_ref()
        .and_then(|g| g.position_encodings.as_ref());
    match offered {
        Some(kinds) if kinds.contains(&PositionEncodingKind::UTF8) => PositionEncoding::Utf8,
        _ => PositionEncoding::Utf16,
    }
}

fn wants_kind(only: &Option<Vec<CodeActionKind>>, kind: &str) -> bool {
    match only {
        None => true,
        Some(kinds) => kinds.iter().any(|k| {
            let k = k.as_str();
            kind == k
                || kind
                    .strip_prefix(k)
                    .is_some_and(|rest| rest.starts_with('.'))
        }),
    }
}

fn ranges_touch(a: &Range, b: &Range) -> bool {
    a.start <= b.end && b.start <= a.end
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let encoding = negotiate_encoding(&params);
        let _ = self.shared.encoding.set(encoding);
        if let Some(options) = params.initialization_options.clone() {
            match serde_json::from_value::<InitOptions>(options) {
                Ok(o) => {
                    if let Some(ms) = o.debounce_ms {
                        self.shared.debounce_ms.store(ms, Ordering::Relaxed);
                    }
                    if let Some(ms) = o.analysis_budget_ms {
                        self.shared.analysis_budget_ms.store(ms, Ordering::Relaxed);
                    }
                    let defaults = Limits::default();
                    let _ = self.shared.limits.set(Limits {
                        max_bytes: o.max_file_size.unwrap_or(defaults.max_bytes),
                        parse_budget: o
                            .parse_budget_ms
                            .map_or(defaults.parse_budget, Duration::from_millis),
                    });
                }
                Err(e) => tracing::warn!("ignoring invalid initializationOptions: {e}"),
            }
        }
        tracing::info!(?encoding, "initialised");
        Ok(InitializeResult {
            server_info: Some(ServerInfo {
                name: "preflight".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            capabilities: ServerCapabilities {
                position_encoding: Some(match encoding {
                    PositionEncoding::Utf8 => PositionEncodingKind::UTF8,
                    _ => PositionEncodingKind::UTF16,
                }),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                            include_text: Some(false),
                        })),
                        ..TextDocumentSyncOptions::default()
                    },
                )),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![
                            CodeActionKind::QUICKFIX,
                            CodeActionKind::new(convert::FIX_ALL_KIND),
                        ]),
                        ..CodeActionOptions::default()
                    },
                )),
                ..ServerCapabilities::default()
            },
            ..InitializeResult::default()
        })
    }

    async fn shutdown(&self) -> Result<()> {
        self.shared.shutdown.store(true, Ordering::SeqCst);
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let item = params.text_document;
        let limits = self.shared.limits.get().copied().unwrap_or_default();
        let doc = Document::with_limits(item.version, &item.text, limits);
        // Re-opening replaces the old state: the client's text is the truth.
        self.shared.store.docs.insert(
            item.uri.clone(),
            Entry {
                doc,
                analysis: None,
                published: None,
            },
        );
        self.shared.schedule(item.uri, item.version, Duration::ZERO);
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        let version = params.text_document.version;
        let changes: Vec<TextChange> = params
            .content_changes
            .into_iter()
            .map(|c| TextChange {
                range: c.range.map(|r| {
                    (
                        convert::from_position(r.start),
                        convert::from_position(r.end),
                    )
                }),
                text: c.text,
            })
            .collect();
        // Applied synchronously, before any await (see the module doc).
        let applied = match self.shared.store.docs.get_mut(&uri) {
            None => {
                tracing::warn!(
                    uri = uri.as_str(),
                    "didChange for a document that is not open; ignored"
                );
                false
            }
            Some(mut entry) => {
                if version <= entry.doc.version {
                    tracing::warn!(
                        uri = uri.as_str(),
                        version,
                        current = entry.doc.version,
                        "version did not increase"
                    );
                    entry.published = None;
                }
                match entry.doc.apply_changes(version, &changes, self.encoding()) {
                    Ok(()) => {
                        entry.analysis = None;
                        true
                    }
                    Err(e) => {
                        tracing::error!(
                            uri = uri.as_str(),
                            version,
                            "rejected change, document unchanged: {e}"
                        );
                        false
                    }
                }
            }
        };
        if applied {
            let delay = Duration::from_millis(self.shared.debounce_ms.load(Ordering::Relaxed));
            self.shared.schedule(uri, version, delay);
        }
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        let uri = params.text_document.uri;
        if let Some(version) = self.shared.store.version(&uri) {
            self.shared.schedule(uri, version, Duration::ZERO);
        }
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        // Dropping the entry frees its tree, which costs many times the size of the text.
        self.shared.store.docs.remove(&uri);
        let _guard = self.shared.publish.lock().await;
        self.shared
            .client
            .publish_diagnostics(uri, Vec::new(), None)
            .await;
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let uri = params.text_document.uri;
        let Some(analysis) = self.shared.analyse(&uri).await else {
            return Err(Error::invalid_params(format!(
                "document not open: {}",
                uri.as_str()
            )));
        };
        let enc = self.encoding();
        let rope = ropey::Rope::from_str(&analysis.text);
        let only = &params.context.only;
        let mut actions = Vec::new();
        if wants_kind(only, CodeActionKind::QUICKFIX.as_str()) {
            let touched: Vec<&Finding> = analysis
                .findings
                .iter()
                .filter(|f| ranges_touch(&convert::to_range(&rope, &f.range, enc), &params.range))
                .collect();
            for f in &touched {
                if let Some(fix) = &f.fix {
                    actions.push(CodeActionOrCommand::CodeAction(convert::to_quick_fix(
                        &uri, &rope, f, fix, enc,
                    )));
                }
            }
            // "Ignore PF### on this line" after the real fixes, for every finding but PF001 itself.
            let ignorable: Vec<&Finding> = touched
                .into_iter()
                .filter(|f| f.rule.code != "PF001")
                .collect();
            if !ignorable.is_empty() {
                if let Ok(tree) = crate::parse::parse_str(&analysis.text) {
                    let ctx = crate::analysis::Context::new(&analysis.text, &tree);
                    for f in ignorable {
                        if let Some(edit) = suppression::ignore_edit(&ctx, f) {
                            actions.push(CodeActionOrCommand::CodeAction(convert::to_ignore(
                                &uri, &rope, f, &edit, enc,
                            )));
                        }
                    }
                }
            }
        }
        let any_safe = analysis.findings.iter().any(|f| {
            f.fix
                .as_ref()
                .is_some_and(|x| x.safety == crate::analysis::Safety::Safe)
        });
        if any_safe && wants_kind(only, convert::FIX_ALL_KIND) {
            let text = analysis.text.clone();
            let fixed =
                tokio::task::spawn_blocking(move || fix_all(&text, FixMode::SafeOnly, |_| true))
                    .await;
            match fixed {
                Ok(result) if result.applied > 0 => {
                    actions.push(CodeActionOrCommand::CodeAction(convert::to_fix_all(
                        &uri,
                        &rope,
                        &analysis.text,
                        &result.text,
                        result.applied,
                        enc,
                    )))
                }
                Ok(_) => {}
                Err(e) => tracing::error!("fix-all failed: {e}"),
            }
        }
        Ok(Some(actions))
    }
}
