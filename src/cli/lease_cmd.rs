//! `portnix lease ...`: the lease API from the command line, against a server when
//! `PORTNIX_SERVER` is set and against the store directly otherwise.

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Subcommand};

use super::error::{CliError, CliResult};
use super::exit;
use super::project_args::ProjectArgs;
use crate::lease::api::{Api, Local};
use crate::lease::client::Remote;
use crate::lease::model::LeaseError;
use crate::lease::pool::{Ephemeral, Pools};
use crate::lease::store::SqliteStore;
use crate::lease::wire::{AllocateBody, Allocation, ReleaseBody};
use crate::registry::Protocol;

#[derive(Args, Debug)]
pub(crate) struct LeaseArgs {
    #[command(flatten)]
    pub(crate) project: ProjectArgs,
    #[command(flatten)]
    pub(crate) store: StoreArgs,
    #[command(subcommand)]
    pub(crate) command: LeaseCommand,
}

#[derive(Args, Debug, Clone)]
pub(crate) struct StoreArgs {
    /// The SQLite lease store (default: $PORTNIX_STORE, else $XDG_STATE_HOME/portnix/leases.sqlite,
    /// else ~/.local/state/portnix/leases.sqlite).
    #[arg(long, global = true, value_name = "PATH")]
    pub(crate) store: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub(crate) enum LeaseCommand {
    /// Lease a port from a pool and print it; the same service gets its own lease back.
    Allocate(AllocateArgs),
    /// End a lease, by its id or its service's name.
    Release {
        /// An allocation id or a service name.
        key: String,
        #[arg(long)]
        scope: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Extend a lease by its TTL; an expired lease is never revived (exit 1).
    Heartbeat {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Remove the leases that expired or whose process died.
    Cleanup {
        #[arg(long)]
        json: bool,
    },
    /// The live leases, by service, type or port.
    Ls(LsArgs),
    /// Print the port a service holds, for scripts: PORT=$(portnix lease get my-api).
    Get {
        service: String,
        #[arg(long)]
        scope: Option<String>,
    },
    /// Counts per pool.
    Stats {
        #[arg(long)]
        json: bool,
    },
    /// Whether the store answers and the pools have room (exit 1 when degraded).
    Health {
        #[arg(long)]
        json: bool,
    },
    /// The pools leases come from.
    Ranges {
        #[arg(long)]
        json: bool,
    },
    /// Every lease, and who uses each port and type, as JSON.
    Overview,
    /// Lease a port, run CMD with it in PORT and SERVICE_PORT, heartbeat while CMD runs, and
    /// release when it exits; exits with CMD's status.
    Run {
        #[command(flatten)]
        lease: LeaseRequestArgs,
        /// The command and its arguments.
        #[arg(last = true, required = true)]
        command: Vec<String>,
    },
}

#[derive(Args, Debug, Clone)]
pub(crate) struct LeaseRequestArgs {
    /// The service's name: one lease per service and scope.
    pub(crate) service: String,
    /// The pool, a pattern the config lists under `pools` (needed when there are several).
    #[arg(long = "type", value_name = "PATTERN")]
    pub(crate) kind: Option<String>,
    /// Try this port first.
    #[arg(long, value_name = "PORT")]
    pub(crate) prefer: Option<u32>,
    /// Fail, naming the holder, unless the preferred port is free.
    #[arg(long, requires = "prefer")]
    pub(crate) required: bool,
    #[arg(long, value_enum)]
    pub(crate) protocol: Option<Protocol>,
    /// How long the lease lives without a heartbeat: 90, 90s, 5m, 2h, 1d.
    #[arg(long, value_name = "DURATION", value_parser = parse_ttl)]
    pub(crate) ttl: Option<u64>,
    /// The space of ports leases are unique in (default `local`: this machine).
    #[arg(long)]
    pub(crate) scope: Option<String>,
    /// NAME=VALUE, repeatable.
    #[arg(long = "label", value_name = "NAME=VALUE", value_parser = parse_label)]
    pub(crate) labels: Vec<(String, String)>,
}

#[derive(Args, Debug)]
pub(crate) struct AllocateArgs {
    #[command(flatten)]
    pub(crate) lease: LeaseRequestArgs,
    /// A local process whose death frees the lease at once.
    #[arg(long)]
    pub(crate) pid: Option<u32>,
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Args, Debug)]
pub(crate) struct LsArgs {
    #[arg(long)]
    pub(crate) service: Option<String>,
    #[arg(long = "type", value_name = "PATTERN")]
    pub(crate) kind: Option<String>,
    #[arg(long)]
    pub(crate) port: Option<u16>,
    #[arg(long)]
    pub(crate) scope: Option<String>,
    #[arg(long)]
    pub(crate) json: bool,
}

/// Why a `--ttl` or `--label` value was not understood; clap prints it beside the flag.
#[derive(Debug, thiserror::Error)]
enum ArgError {
    #[error("'{0}' is not a duration like 90s, 5m or 2h")]
    Duration(String),
    #[error("'{0}': the unit is one of s, m, h, d")]
    Unit(String),
    #[error("'{0}' is too long")]
    TooLong(String),
    #[error("'{0}' is not NAME=VALUE")]
    Label(String),
}

fn parse_ttl(s: &str) -> Result<u64, ArgError> {
    let (digits, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = digits.parse().map_err(|_| ArgError::Duration(s.into()))?;
    let scale = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(ArgError::Unit(s.into())),
    };
    n.checked_mul(scale).ok_or_else(|| ArgError::TooLong(s.into()))
}

fn parse_label(s: &str) -> Result<(String, String), ArgError> {
    s.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())).ok_or_else(|| ArgError::Label(s.into()))
}

impl LeaseRequestArgs {
    pub(super) fn body(&self, pid: Option<u32>) -> AllocateBody {
        AllocateBody {
            service_name: self.service.clone(),
            service_type: self.kind.clone(),
            preferred_port: self.prefer,
            required: self.required,
            ttl_seconds: self.ttl,
            protocol: self.protocol,
            scope: self.scope.clone(),
            process_id: pid,
            host: None,
            labels: self.labels.iter().cloned().collect(),
        }
    }
}

/// The default store: the user's state directory.
pub(crate) fn default_store() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PORTNIX_STORE").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let state = std::env::var_os("XDG_STATE_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
    Some(state.join("portnix/leases.sqlite"))
}

/// The API against the store on this machine, with the pools of the project's registry.
/// `server` asks for the WAL to be checkpointed by a thread of its own.
pub(crate) fn local_api(project: &ProjectArgs, store: &StoreArgs, server: bool) -> Result<Local, CliError> {
    local_api_of(&project.load()?, store, server)
}

/// The API over the store, with the pools of a project already loaded.
pub(crate) fn local_api_of(
    loaded: &crate::registry::Project,
    store: &StoreArgs,
    server: bool,
) -> Result<Local, CliError> {
    let pools = crate::timing::phase("pools", || pools_of(loaded))?;
    let (store, label) = open_store(store, server)?;
    Ok(Local { store, pools: Arc::new(pools), host: crate::lease::holder::host_name(), label })
}

/// The project's pools, less what this machine's kernel keeps for itself.
fn pools_of(project: &crate::registry::Project) -> Result<Pools, LeaseError> {
    let snapshot = crate::registry::snapshot::Snapshot::of(project);
    Pools::from_snapshot(&snapshot, &Ephemeral::of_this_machine())
}

/// Whether `--store` names an etcd cluster rather than a file.
fn is_etcd(path: &std::path::Path) -> bool {
    path.to_str().is_some_and(|p| p.starts_with("etcd://") || p.starts_with("etcds://"))
}

/// The store `--store` names: `etcd://...` or a SQLite file; and how `health` names it.
fn open_store(store: &StoreArgs, server: bool) -> Result<(Arc<dyn crate::lease::Store>, String), CliError> {
    let Some(path) = store.store.clone().or_else(default_store) else {
        return Err(CliError::failure("no lease store: HOME is not set").with_hint("pass --store PATH"));
    };
    if let Some(url) = path.to_str().filter(|_| is_etcd(&path)) {
        #[cfg(feature = "etcd")]
        {
            let etcd = crate::lease::store::EtcdStore::open(url)?;
            let label = etcd.label();
            return Ok((Arc::new(etcd), label));
        }
        #[cfg(not(feature = "etcd"))]
        {
            return Err(CliError::failure(format!("{url}: this portnix was built without etcd support"))
                .with_hint("build it with `cargo install --path . --features etcd` (needs protoc)"));
        }
    }
    let sqlite = crate::timing::phase("open", || SqliteStore::open(&path))?;
    if server {
        sqlite.checkpoint_in_background(std::time::Duration::from_millis(500))?;
    }
    Ok((Arc::new(sqlite), format!("sqlite:{}", path.display())))
}

/// For `check --leases`: the live leases of the store that collide with `project` as it is
/// now, as findings of `check` (no location: a lease lives in the store, not in a file).
pub(crate) fn colliding_leases(
    project: &crate::registry::Project,
    store: &StoreArgs,
) -> Result<Vec<crate::check::Finding>, CliError> {
    let pools = pools_of(project)?;
    let Some(path) = store.store.clone().or_else(default_store) else { return Ok(Vec::new()) };
    // No store yet: no leases, and `check` creates none.
    if !path.exists() && !is_etcd(&path) {
        return Ok(Vec::new());
    }
    let (opened, _) = open_store(store, false)?;
    let all = opened.read()?;
    let host = crate::lease::holder::host_name();
    let found = crate::lease::ops::collisions(&all, &pools, crate::lease::ops::now_ms(), &host);
    Ok(found
        .iter()
        .map(|c| {
            let l = &c.lease;
            let diag = crate::diagnostic::Diagnostic::new(
                crate::diagnostic::Code::LeaseCollision,
                format!(
                    "lease {} of {} ({} {} in scope {}, type {}): {}",
                    l.id,
                    l.service,
                    l.protocol.as_str(),
                    l.port,
                    l.scope,
                    l.kind,
                    c.why
                ),
            )
            .with_hint(format!(
                "release it (`portnix lease release {}`) so its service allocates again",
                l.id
            ));
            crate::check::Finding { diag, paths: vec![l.service.to_string()] }
        })
        .collect())
}

/// The server named by PORTNIX_SERVER, with its token from PORTNIX_TOKEN or PORTNIX_TOKEN_FILE.
fn remote_api() -> Result<Option<Remote>, CliError> {
    let Some(url) = std::env::var("PORTNIX_SERVER").ok().filter(|u| !u.is_empty()) else { return Ok(None) };
    let token = match (std::env::var("PORTNIX_TOKEN").ok(), std::env::var_os("PORTNIX_TOKEN_FILE")) {
        (Some(t), _) if !t.is_empty() => Some(t),
        (_, Some(file)) => Some(read_token(std::path::Path::new(&file))?),
        _ => None,
    };
    Ok(Some(Remote::new(&url, token)))
}

/// A token file's first line; an empty one is an error, not an open door.
pub(crate) fn read_token(path: &std::path::Path) -> Result<String, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::failure(format!("cannot read the token file {}: {e}", path.display())))?;
    let token = text.lines().next().unwrap_or("").trim().to_string();
    if token.is_empty() {
        return Err(CliError::failure(format!("the token file {} is empty", path.display())));
    }
    Ok(token)
}

fn print_json(value: &impl serde::Serialize) {
    crate::stdio::outln!("{}", serde_json::to_string_pretty(value).unwrap_or_default());
}

/// A refusal (a taken port, no such lease) exits 1; a broken request or store exits 2.
pub(crate) fn run(args: LeaseArgs) -> CliResult {
    let api: Box<dyn Api> = match remote_api()? {
        Some(remote) => Box::new(remote),
        None => Box::new(local_api(&args.project, &args.store, false)?),
    };
    crate::timing::phase("request", || execute(&*api, args.command))
}

fn execute(api: &dyn Api, command: LeaseCommand) -> CliResult {
    match command {
        LeaseCommand::Allocate(a) => {
            let granted = api.allocate(&a.lease.body(a.pid))?;
            if a.json {
                print_json(&granted);
            } else {
                crate::stdio::outln!("{}", granted.allocation.port);
            }
        }
        LeaseCommand::Release { key, scope, json } => {
            // The store matches the key against ids and service names alike.
            let done = api.release(&ReleaseBody { allocation_id: None, service_name: Some(key), scope })?;
            if json {
                print_json(&done);
            } else {
                crate::stdio::errln!("{}", done.message);
            }
        }
        LeaseCommand::Heartbeat { id, json } => {
            let done = api.heartbeat(&id)?;
            if json {
                print_json(&done);
            } else if let Some(a) = done.allocations.first() {
                crate::stdio::outln!("{}", a.expires_at);
            }
        }
        LeaseCommand::Cleanup { json } => {
            let done = api.cleanup()?;
            if json {
                print_json(&done);
            } else {
                crate::stdio::errln!("{}", done.message);
            }
        }
        LeaseCommand::Ls(ls) => {
            let mut rows: Vec<Allocation> = api.directory()?.into_values().collect();
            rows.retain(|a| {
                ls.service.as_ref().is_none_or(|s| &a.service_name == s)
                    && ls.kind.as_ref().is_none_or(|k| &a.service_type == k)
                    && ls.port.is_none_or(|p| a.port == p)
                    && ls.scope.as_ref().is_none_or(|s| &a.scope == s)
            });
            rows.sort_by(|a, b| {
                (&a.scope, a.port, &a.service_name).cmp(&(&b.scope, b.port, &b.service_name))
            });
            if ls.json {
                print_json(&rows);
            } else {
                crate::stdio::write_out(&crate::stdio::escape(&table(&rows)));
            }
        }
        LeaseCommand::Get { service, scope } => {
            let scope = scope.unwrap_or_else(|| crate::lease::ops::DEFAULT_SCOPE.to_string());
            let found =
                api.directory()?.into_values().find(|a| a.service_name == service && a.scope == scope);
            match found {
                Some(a) => crate::stdio::outln!("{}", a.port),
                None => {
                    return Err(
                        LeaseError::NotFound(format!("for service {service} in scope {scope}")).into()
                    );
                }
            }
        }
        LeaseCommand::Stats { json } => {
            let stats = api.stats()?;
            if json {
                print_json(&stats);
            } else {
                crate::stdio::outln!(
                    "{} active, {} expired (not cleaned up)",
                    stats.active_allocations,
                    stats.expired_allocations
                );
                for p in &stats.pools {
                    crate::stdio::outln!(
                        "{}: {}-{}, {} ports: {} leased, {} free, {} never leased",
                        p.kind,
                        p.from,
                        p.to,
                        p.size,
                        p.active,
                        p.free,
                        p.excluded
                    );
                }
            }
        }
        LeaseCommand::Health { json } => {
            let health = api.health()?;
            if json {
                print_json(&health);
            } else {
                crate::stdio::outln!(
                    "{}: {} pool(s), {} active lease(s), {}",
                    health.status,
                    health.pools,
                    health.active_allocations,
                    health.store
                );
            }
            if health.status != "healthy" {
                return Ok(exit::FINDINGS);
            }
        }
        LeaseCommand::Ranges { json } => {
            let ranges = api.ranges()?;
            if json {
                print_json(&ranges);
            } else {
                for r in ranges {
                    crate::stdio::outln!("{}\t{}-{}", r.kind, r.from, r.to);
                }
            }
        }
        LeaseCommand::Overview => print_json(&api.overview()?),
        LeaseCommand::Run { lease, command } => return super::lease_run::run(api, &lease, &command),
    }
    Ok(exit::OK)
}

fn table(rows: &[Allocation]) -> String {
    let cells: Vec<[String; 8]> = rows
        .iter()
        .map(|a| {
            [
                a.port.to_string(),
                a.protocol.as_str().to_string(),
                a.service_name.clone(),
                a.service_type.clone(),
                a.scope.clone(),
                a.expires_at.clone(),
                match a.process_id {
                    Some(pid) => format!("{} pid {pid}", a.host),
                    None => a.host.clone(),
                },
                a.allocation_id.clone(),
            ]
        })
        .collect();
    super::query_cmd::table(&["PORT", "PROTO", "SERVICE", "TYPE", "SCOPE", "EXPIRES", "HOLDER", "ID"], &cells)
}
