//! `portnix gen`: files other tools read, generated from the registry. Output is sorted and
//! stable, and starts with a header naming its source and the command that regenerates it.

mod compose;
pub(crate) mod env;
pub(crate) mod html;
mod json;
mod markdown;
mod nftables;
mod nixos_firewall;
pub(crate) mod output;
mod process_compose;
mod yaml;

pub use env::{derived_env_name, env_name};
pub use json::{JsonEntry, JsonRegistry};

use crate::diagnostic::Diagnostic;
use crate::registry::path::Pattern;
use crate::registry::{Entry, Project};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// A NixOS module setting networking.firewall for the entries marked open.
    NixosFirewall,
    /// nftables sets and a chain accepting the same ports, to include in your own table
    /// (`--standalone`: a complete firewall table).
    Nftables,
    /// process-compose.yaml from the config's processes.
    ProcessCompose,
    /// A docker compose override file: each process's published ports and their env names.
    Compose,
    /// A .env file, one NAME=PORT line per entry.
    Env,
    /// The whole registry as JSON, with metadata and source locations.
    Json,
    /// A Markdown table, grouped by category; splices between marker comments.
    Markdown,
    /// One self-contained HTML page drawing the port axis: ranges, entries, findings, free
    /// space, with search. It draws the findings, so it is generated even when there are errors.
    Html,
}

impl Target {
    pub const ALL: [Target; 8] = [
        Target::NixosFirewall,
        Target::Nftables,
        Target::ProcessCompose,
        Target::Compose,
        Target::Env,
        Target::Json,
        Target::Markdown,
        Target::Html,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Target::NixosFirewall => "nixos-firewall",
            Target::Nftables => "nftables",
            Target::ProcessCompose => "process-compose",
            Target::Compose => "compose",
            Target::Env => "env",
            Target::Json => "json",
            Target::Markdown => "markdown",
            Target::Html => "html",
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct GenOptions {
    /// `--prefix` for env names.
    pub prefix: String,
    /// `--only PATTERN`: entries under it.
    pub only: Option<Pattern>,
    /// The `-o` file, for the header's regenerate command.
    pub output: Option<String>,
    /// nftables: a complete firewall instead of definitions to include.
    pub standalone: bool,
    /// nftables `--standalone`: generate even though no SSH port is open.
    pub without_ssh: bool,
    /// compose: the address published ports listen on (default 127.0.0.1).
    pub host: Option<String>,
    /// compose: write each port as the variable `gen env` exports, for compose to read from .env.
    pub env_vars: bool,
    /// env: one file per part of the registry this pattern matches, named alike in each.
    pub per: Option<Pattern>,
}

/// What a generator needs besides the project: the names in its header.
pub(crate) struct Context<'a> {
    pub(crate) project: &'a Project,
    pub(crate) options: &'a GenOptions,
    /// The registry, relative to the project root: the same on every machine.
    pub(crate) registry: String,
    /// The project root (nearest flake.nix or .git above the registry), if any.
    pub(crate) root: Option<std::path::PathBuf>,
    pub(crate) command: String,
    /// Warnings for stderr (the output stays deterministic and clean).
    pub(crate) warnings: Vec<String>,
}

impl Context<'_> {
    /// The header's text, one line per element, for the caller to comment out.
    pub(crate) fn header_lines(&self) -> [String; 2] {
        [
            format!("{} from {}. Do not edit by hand.", crate::files::guard::MARK, self.registry),
            format!("Regenerate with: {}", self.command),
        ]
    }

    /// Valid entries that `--only` selects, sorted by port then path.
    pub(crate) fn entries(&self) -> Vec<&Entry> {
        let mut out: Vec<&Entry> = self
            .project
            .entries
            .iter()
            .filter(|e| e.interval().is_some())
            .filter(|e| self.options.only.as_ref().is_none_or(|p| p.matches_prefix(&e.path)))
            .collect();
        out.sort_by(|a, b| (a.interval(), &a.name).cmp(&(b.interval(), &b.name)));
        out
    }

    /// A path relative to the project root, so the output is the same on every machine.
    pub(crate) fn relative(&self, path: &std::path::Path) -> String {
        self.root
            .as_deref()
            .and_then(|r| path.strip_prefix(r).ok())
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| path.display().to_string())
    }
}

pub struct Generated {
    pub text: String,
    pub(crate) warnings: Vec<String>,
}

/// The context a generator runs in: the registry's name and the command that regenerates it.
fn context<'a>(project: &'a Project, target: Target, options: &'a GenOptions) -> Context<'a> {
    let root = project.root.clone();
    let registry = root
        .as_deref()
        .and_then(|r| project.registry_file.strip_prefix(r).ok())
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| crate::syntax::display_path(&project.registry_file));
    let mut command = format!("portnix gen {}", target.name());
    // The files it was made from, where portnix would not find them by itself: run from the
    // project root, the command regenerates this file from this registry and config.
    let rel = |p: &std::path::Path| {
        let shown = root
            .as_deref()
            .and_then(|r| p.strip_prefix(r).ok())
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| p.display().to_string());
        if shown.contains([' ', '\'', '"']) { format!("'{}'", shown.replace('\'', "")) } else { shown }
    };
    let found = root.as_deref().map(|r| r.join(crate::registry::load::REGISTRY));
    if found.as_deref() != Some(project.registry_file.as_path()) {
        command.push_str(&format!(" --registry {}", rel(&project.registry_file)));
    }
    let beside = project.registry_file.parent().map(|d| d.join(crate::registry::load::CONFIG));
    if let Some(config) = &project.config_file
        && beside.as_ref() != Some(config)
    {
        command.push_str(&format!(" --config {}", rel(config)));
    }
    if !options.prefix.is_empty() {
        command.push_str(&format!(" --prefix {}", options.prefix));
    }
    if let Some(only) = &options.only {
        command.push_str(&format!(" --only {only}"));
    }
    if let Some(per) = &options.per {
        command.push_str(&format!(" --per '{per}'"));
    }
    if options.standalone {
        command.push_str(" --standalone");
    }
    if options.without_ssh {
        command.push_str(" --without-ssh");
    }
    if let Some(host) = &options.host {
        command.push_str(&format!(" --host {host}"));
    }
    if options.env_vars {
        command.push_str(" --env-vars");
    }
    if let Some(out) = &options.output {
        command.push_str(&format!(" -o {out}"));
    }
    Context { project, options, registry, root, command, warnings: Vec::new() }
}

/// The page `portnix serve` shows at `/`: the map of `gen html`, drawing live leases too.
pub(crate) fn live_page(project: &Project) -> String {
    html::live(&context(project, Target::Html, &GenOptions::default()))
}

/// `gen env --per PATTERN`: (the part's name, its file) for each part the pattern matches.
pub fn generate_env_per(
    project: &Project,
    options: &GenOptions,
) -> Result<Vec<(String, String)>, Vec<Diagnostic>> {
    let ctx = context(project, Target::Env, options);
    match &options.per {
        Some(per) => env::per(&ctx, per),
        None => Ok(Vec::new()),
    }
}

pub fn generate(
    project: &Project,
    target: Target,
    options: &GenOptions,
) -> Result<Generated, Vec<Diagnostic>> {
    let mut ctx = context(project, target, options);
    let text = match target {
        Target::NixosFirewall => nixos_firewall::generate(&ctx),
        Target::Nftables if options.standalone => nftables::standalone(&ctx, options.without_ssh)?,
        Target::Nftables => nftables::generate(&ctx),
        Target::ProcessCompose => process_compose::generate(&mut ctx)?,
        Target::Compose => compose::generate(&ctx)?,
        Target::Env => env::generate(&ctx)?,
        Target::Json => json::generate(&ctx),
        Target::Markdown => markdown::generate(&ctx),
        Target::Html => html::generate(&ctx),
    };
    Ok(Generated { text, warnings: ctx.warnings })
}

/// `# ` comment lines for the formats that use them.
fn hash_header(ctx: &Context) -> String {
    ctx.header_lines().iter().map(|l| format!("# {l}\n")).collect()
}
