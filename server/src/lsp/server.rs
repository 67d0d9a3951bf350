//! The `LanguageServer` handlers. They stay thin: update the store, schedule an analysis, convert.
//!
//! Ordering invariant: `did_open`/`did_change` apply their edit to the store before their first
//! `.await`, because the transport may run several handlers at once; an edit applied after an await
//! could overtake the next one.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use super::convert;
use super::store::{Analysis, Entry, Store};
use crate::analysis::{self, suppression, Finding};
use crate::config::load;
use crate::config::resolver::{Resolved, Resolver};
use crate::config::Partial;
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

/// When diagnostics are published: `onType` (open, every change, save) or `onSave` (open and save
/// only, for people who want quiet typing). Code actions always see the current text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RunMode {
    OnType,
    OnSave,
}

impl RunMode {
    /// Reads the `run` editor setting. Settings arrive whole, so an absent `run` means the default.
    fn from_settings(settings: &serde_json::Value) -> std::result::Result<Self, String> {
        match settings.get("run") {
            None | Some(serde_json::Value::Null) => Ok(RunMode::OnType),
            Some(v) => match v.as_str() {
                Some("onType") => Ok(RunMode::OnType),
                Some("onSave") => Ok(RunMode::OnSave),
                _ => Err(format!(
                    "`run` must be \"onType\" or \"onSave\", not {v}; keeping the current mode"
                )),
            },
        }
    }
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
    /// Configuration files, layered over the editor's settings; replaced when those change.
    config: RwLock<Arc<Resolver>>,
    /// The workspace folders: configuration is never read from above them.
    roots: RwLock<Vec<PathBuf>>,
    /// Configuration problems already shown with `window/showMessage`, so each is said once.
    shown_config_errors: Mutex<HashSet<String>>,
    /// Whether the client lets us register file watchers.
    can_watch: AtomicBool,
    /// `run = "onSave"`: changes update the document but publish nothing until the next save.
    on_save: AtomicBool,
    /// Serialises publishing so that a slow analysis of an old version never lands after a newer one.
    publish: tokio::sync::Mutex<()>,
    /// Whether the client keeps a code action's `data` and asks for its `edit` with
    /// `codeAction/resolve`: the fix-all action is then offered without computing it.
    resolves_edits: AtomicBool,
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
                config: RwLock::new(Arc::new(Resolver::default())),
                roots: RwLock::new(Vec::new()),
                shown_config_errors: Mutex::new(HashSet::new()),
                can_watch: AtomicBool::new(false),
                on_save: AtomicBool::new(false),
                publish: tokio::sync::Mutex::new(()),
                resolves_edits: AtomicBool::new(false),
            }),
        }
    }

    fn encoding(&self) -> PositionEncoding {
        self.shared.encoding()
    }

    /// The fix-all action for an analysed document: every safe fix, applied until none is left;
    /// `None` when none applies.
    async fn fix_all(
        &self,
        uri: &Uri,
        analysis: &Analysis,
        rope: &ropey::Rope,
    ) -> Option<CodeAction> {
        let text = analysis.text.clone();
        let path = convert::uri_to_path(uri);
        let settings = self
            .shared
            .current_config()
            .for_path(path.as_deref())
            .settings
            .for_file(path.as_deref());
        let fixed = tokio::task::spawn_blocking(move || {
            fix_all(&text, FixMode::SafeOnly, &settings, |_| true)
        })
        .await;
        match fixed {
            Ok(result) if result.applied > 0 => Some(convert::to_fix_all(
                uri,
                rope,
                &analysis.text,
                &result.text,
                result.applied,
                self.encoding(),
            )),
            Ok(_) => None,
            Err(e) => {
                tracing::error!("fix-all failed: {e}");
                None
            }
        }
    }
}

impl Shared {
    fn encoding(&self) -> PositionEncoding {
        self.encoding.get().copied().unwrap_or_default()
    }

    /// The rope and tree of an analysed text: the document's own while it still holds that text.
    /// Editors ask for code actions at every move of the cursor, and building either anew costs
    /// a whole-file pass (a full parse: 0.2 s for 20,000 lines); the tree is `None` otherwise.
    fn syntax_of(
        &self,
        uri: &Uri,
        analysis: &Analysis,
    ) -> (ropey::Rope, Option<crate::parse::ModuleTree>) {
        match self.store.docs.get(uri) {
            Some(entry) if Arc::ptr_eq(&entry.doc.text(), &analysis.text) => {
                (entry.doc.rope.clone(), entry.doc.tree().cloned())
            }
            _ => (ropey::Rope::from_str(&analysis.text), None),
        }
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
        let path = convert::uri_to_path(uri);
        // A configuration file open in the editor gets its problems as diagnostics, as typed.
        // A user rule open in the editor: its load error, with line and column, as typed.
        if let Some(path) = path
            .as_ref()
            .filter(|p| p.extension().is_some_and(|x| x == "scm"))
        {
            let errors = match crate::rules::query::QueryRule::from_source(
                &path.display().to_string(),
                &text,
            ) {
                Ok(_) => Vec::new(),
                Err(e) => {
                    let span = e.1.map(|(line, col)| {
                        let start: usize = text
                            .split_inclusive('\n')
                            .take(line - 1)
                            .map(str::len)
                            .sum();
                        let at = start
                            + text[start..]
                                .chars()
                                .take(col - 1)
                                .map(char::len_utf8)
                                .sum::<usize>();
                        at..at
                    });
                    let source = path.display().to_string();
                    let message = e.bare_message(&source);
                    vec![crate::config::ConfigError {
                        source,
                        position: e.1,
                        span,
                        message,
                    }]
                }
            };
            return Some(Analysis {
                version,
                text,
                findings: Arc::new(Vec::new()),
                notice: None,
                config_errors: errors,
            });
        }
        if let Some(path) = path.as_ref().filter(|p| is_config_file(p)) {
            let errors = load::parse_file(path, &text)
                .map(|l| l.errors)
                .unwrap_or_default();
            let result = Analysis {
                version,
                text,
                findings: Arc::new(Vec::new()),
                notice: None,
                config_errors: errors,
            };
            return Some(result);
        }
        let resolved = self.current_config().for_path(path.as_deref());
        self.show_config_errors(&resolved).await;
        if path
            .as_deref()
            .is_some_and(|p| resolved.settings.is_excluded(p))
        {
            return Some(Analysis {
                version,
                text,
                findings: Arc::new(Vec::new()),
                notice: None,
                config_errors: Vec::new(),
            });
        }
        let settings = resolved.settings.for_file(path.as_deref());
        // requirements*.txt: unpinned dependencies (PF601), all logic in `crate::requirements`.
        if let Some(file) = path
            .as_deref()
            .filter(|p| crate::requirements::is_requirements_file(p))
        {
            let roots = self.roots.read().map(|r| r.clone()).unwrap_or_default();
            let findings = Arc::new(crate::requirements::check_file(
                &text, file, &settings, &roots,
            ));
            return Some(Analysis {
                version,
                text,
                findings,
                notice: None,
                config_errors: Vec::new(),
            });
        }
        let joined = tokio::task::spawn_blocking(move || {
            let tree = snapshot.tree?;
            let started = Instant::now();
            let result = analysis::incremental::analyze(
                &snapshot.text,
                &tree,
                &settings,
                Some(Instant::now() + budget),
                snapshot.cache.as_deref(),
            );
            tracing::debug!(
                version,
                incremental = result.0.incremental,
                full_reason = result.0.full_reason,
                micros = started.elapsed().as_micros() as u64,
                "analysed"
            );
            Some(result)
        })
        .await;
        let mut next_cache = None;
        let (findings, notice) = match joined {
            Ok(Some((a, cache))) => {
                next_cache = cache;
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
            config_errors: Vec::new(),
        };
        if let Some(mut entry) = self.store.docs.get_mut(uri) {
            // An analysis of an older version is superseded; the entry's cache has followed the
            // newer edits and stays.
            if entry.doc.version == result.version {
                entry.analysis = Some(result.clone());
                let retired = std::mem::replace(&mut entry.cache, next_cache.map(Arc::new));
                // Freeing the cache of a large file is a measurable part of a keystroke: it is
                // done on another thread while the diagnostics go out.
                if let Some(retired) = retired {
                    tokio::task::spawn_blocking(move || drop(retired));
                }
            }
        }
        Some(result)
    }

    /// Reads editor settings, telling the user about each problem (the rest still applies).
    /// The server's own `run` setting is applied here too, so that a change needs no restart.
    async fn editor_settings(&self, value: &serde_json::Value, source: &str) -> Partial {
        match RunMode::from_settings(value) {
            Ok(mode) => {
                tracing::info!(?mode, "run mode");
                self.on_save
                    .store(mode == RunMode::OnSave, Ordering::Relaxed);
            }
            Err(message) => {
                tracing::warn!("{message}");
                self.client
                    .show_message(
                        MessageType::WARNING,
                        format!("Preflight: {source}: {message}"),
                    )
                    .await;
            }
        }
        let (partial, errors) = load::from_json(value, source);
        for e in errors {
            tracing::warn!("{e}");
            self.client
                .show_message(MessageType::WARNING, format!("Preflight: {e}"))
                .await;
        }
        partial
    }

    /// The current configuration resolver.
    fn current_config(&self) -> Arc<Resolver> {
        self.config.read().map(|c| c.clone()).unwrap_or_default()
    }

    /// Replaces the resolver (new editor settings) or forgets what it read (a file changed),
    /// then re-checks every open document.
    fn reload_config(self: &Arc<Self>, editor: Option<Partial>) {
        let old = self.current_config();
        let below = editor.unwrap_or_else(|| old.below.clone());
        let roots = self.roots.read().map(|r| r.clone()).unwrap_or_default();
        if let Ok(mut config) = self.config.write() {
            *config = Arc::new(Resolver::new(below, Partial::default(), roots, None));
        }
        if let Ok(mut shown) = self.shown_config_errors.lock() {
            shown.clear();
        }
        let open: Vec<(Uri, i32)> = self
            .store
            .docs
            .iter_mut()
            .map(|mut e| {
                // The stored analysis was made with the old settings.
                e.analysis = None;
                (e.key().clone(), e.doc.version)
            })
            .collect();
        for (uri, version) in open {
            self.schedule(uri, version, Duration::ZERO);
        }
    }

    /// Tells the user about problems in a configuration file that is not open (an open one shows
    /// them as diagnostics), once per problem.
    async fn show_config_errors(&self, resolved: &Resolved) {
        if resolved.errors.is_empty() {
            return;
        }
        let open = resolved.config.as_ref().is_some_and(|c| {
            self.store
                .docs
                .iter()
                .any(|e| convert::uri_to_path(e.key()).as_deref() == Some(c.as_path()))
        });
        if open {
            return;
        }
        let fresh: Vec<String> = {
            let Ok(mut shown) = self.shown_config_errors.lock() else {
                return;
            };
            resolved
                .errors
                .iter()
                .map(|e| e.to_string())
                .filter(|m| shown.insert(m.clone()))
                .collect()
        };
        if !fresh.is_empty() {
            let message = format!(
                "Preflight configuration: {} (the rest of the configuration applies)",
                fresh.join("; ")
            );
            tracing::warn!("{message}");
            self.client
                .show_message(MessageType::WARNING, message)
                .await;
        }
    }

    /// Analyses `version` after `delay` and publishes its diagnostics, unless a newer version
    /// arrived in the meantime (its own task will publish).
    fn schedule(self: &Arc<Self>, uri: Uri, version: i32, delay: Duration) {
        let this = self.clone();
        tokio::spawn(async move {
            let scheduled = Instant::now();
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
                diagnostics.extend(
                    analysis
                        .config_errors
                        .iter()
                        .map(|e| convert::config_error(rope, e, enc)),
                );
                diagnostics
            };
            let count = diagnostics.len();
            this.client
                .publish_diagnostics(uri, diagnostics, Some(analysis.version))
                .await;
            tracing::debug!(
                version = analysis.version,
                diagnostics = count,
                micros = scheduled.elapsed().as_micros() as u64,
                "published"
            );
        });
    }
}

/// `pyproject.toml` and `preflight.toml`: documents holding configuration, not Python.
fn is_config_file(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n == "pyproject.toml" || n == "preflight.toml")
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
        #[allow(deprecated)] // `rootUri` is how older clients (Neovim 0.7) name the workspace.
        let mut roots: Vec<PathBuf> = params
            .workspace_folders
            .iter()
            .flatten()
            .filter_map(|f| convert::uri_to_path(&f.uri))
            .collect();
        #[allow(deprecated)]
        if roots.is_empty() {
            roots.extend(params.root_uri.as_ref().and_then(convert::uri_to_path));
        }
        if let Ok(mut r) = self.shared.roots.write() {
            *r = roots.clone();
        }
        let can_watch = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|d| d.dynamic_registration)
            .unwrap_or(false);
        self.shared.can_watch.store(can_watch, Ordering::Relaxed);
        let code_actions = params
            .capabilities
            .text_document
            .as_ref()
            .and_then(|t| t.code_action.as_ref());
        let resolves_edits = code_actions.is_some_and(|c| {
            c.data_support == Some(true)
                && c.resolve_support
                    .as_ref()
                    .is_some_and(|r| r.properties.iter().any(|p| p == "edit"))
        });
        self.shared
            .resolves_edits
            .store(resolves_edits, Ordering::Relaxed);
        let mut editor = Partial::default();
        if let Some(options) = &params.initialization_options {
            editor = self
                .shared
                .editor_settings(options, "editor settings (initializationOptions)")
                .await;
        }
        if let Ok(mut config) = self.shared.config.write() {
            *config = Arc::new(Resolver::new(editor, Partial::default(), roots, None));
        }
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
                        resolve_provider: Some(true),
                        ..CodeActionOptions::default()
                    },
                )),
                ..ServerCapabilities::default()
            },
            ..InitializeResult::default()
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        if !self.shared.can_watch.load(Ordering::Relaxed) {
            return;
        }
        // Configuration files changed on disk (a branch switch, another editor) re-check open files.
        let watchers = ["**/pyproject.toml", "**/preflight.toml", "**/*.scm"]
            .into_iter()
            .map(|glob| FileSystemWatcher {
                glob_pattern: GlobPattern::String(glob.into()),
                kind: None,
            })
            .collect();
        let registration = Registration {
            id: "preflight-config-files".into(),
            method: "workspace/didChangeWatchedFiles".into(),
            register_options: serde_json::to_value(DidChangeWatchedFilesRegistrationOptions {
                watchers,
            })
            .ok(),
        };
        if let Err(e) = self
            .shared
            .client
            .register_capability(vec![registration])
            .await
        {
            tracing::warn!("the client refused to watch configuration files: {e}");
        }
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        // Clients send either `{"preflight": {...}}` or the section itself.
        let settings = params
            .settings
            .get("preflight")
            .cloned()
            .unwrap_or(params.settings);
        if settings.is_null() {
            self.shared.reload_config(None);
            return;
        }
        let partial = self
            .shared
            .editor_settings(&settings, "editor settings")
            .await;
        self.shared.reload_config(Some(partial));
    }

    async fn did_change_watched_files(&self, _: DidChangeWatchedFilesParams) {
        self.shared.reload_config(None);
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
                cache: None,
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
                // Dropped first: the analysis holds the text, which the edit can then change in
                // place instead of copying. (A rejected change loses it; it is recomputed on demand.)
                entry.analysis = None;
                let started = Instant::now();
                match entry.doc.apply_changes(version, &changes, self.encoding()) {
                    Ok(applied) => {
                        tracing::debug!(
                            version,
                            micros = started.elapsed().as_micros() as u64,
                            "edit applied (text, tree, changed ranges)"
                        );
                        // The cache follows the text edit by edit, so the next analysis can
                        // reuse what the edits did not touch.
                        if let Some(cache) = entry.cache.as_mut() {
                            if !Arc::make_mut(cache).follow(&applied) {
                                entry.cache = None;
                            }
                        }
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
        // In onSave mode the edit is applied (code actions and the next save need the current text)
        // but nothing is published until `didSave`.
        if applied && !self.shared.on_save.load(Ordering::Relaxed) {
            let delay = Duration::from_millis(self.shared.debounce_ms.load(Ordering::Relaxed));
            self.shared.schedule(uri, version, delay);
        }
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        let uri = params.text_document.uri;
        // Saving a configuration file applies it to every open document, watcher or not.
        if convert::uri_to_path(&uri)
            .is_some_and(|p| is_config_file(&p) || p.extension().is_some_and(|x| x == "scm"))
        {
            self.shared.reload_config(None);
            return;
        }
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
        let (rope, tree) = self.shared.syntax_of(&uri, &analysis);
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
                let tree = match tree {
                    Some(tree) => Ok(tree),
                    None => crate::parse::ModuleTree::parse(&analysis.text, None),
                };
                if let Ok(tree) = tree {
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
        let safe_fixes = analysis
            .findings
            .iter()
            .filter(|f| {
                f.fix
                    .as_ref()
                    .is_some_and(|x| x.safety == crate::analysis::Safety::Safe)
            })
            .count();
        if safe_fixes > 0 && wants_kind(only, convert::FIX_ALL_KIND) {
            // Asked for without a kind, the action is offered at every move of the cursor: its
            // edit (fixing, re-parsing and re-analysing the whole file until no safe fix is
            // left) is computed only once the user picks it, when the client can ask for it.
            // Asked for by kind (on save, a command), it is about to be applied: computed now.
            if only.is_none() && self.shared.resolves_edits.load(Ordering::Relaxed) {
                actions.push(CodeActionOrCommand::CodeAction(
                    convert::fix_all_unresolved(&uri, analysis.version, safe_fixes),
                ));
            } else if let Some(action) = self.fix_all(&uri, &analysis, &rope).await {
                actions.push(CodeActionOrCommand::CodeAction(action));
            }
        }
        Ok(Some(actions))
    }

    async fn code_action_resolve(&self, action: CodeAction) -> Result<CodeAction> {
        let Some((uri, version)) = convert::fix_all_target(&action) else {
            return Ok(action);
        };
        let Some(analysis) = self.shared.analyse(&uri).await else {
            return Err(Error::invalid_params(format!(
                "document not open: {}",
                uri.as_str()
            )));
        };
        if analysis.version != version {
            return Err(Error {
                code: tower_lsp_server::jsonrpc::ErrorCode::ContentModified,
                message: "the document changed since the action was offered".into(),
                data: None,
            });
        }
        let (rope, _) = self.shared.syntax_of(&uri, &analysis);
        Ok(match self.fix_all(&uri, &analysis, &rope).await {
            Some(resolved) => CodeAction {
                edit: resolved.edit,
                ..action
            },
            None => action,
        })
    }
}
