//! The commands' arguments, as clap parses them: `serve`'s, and the admin nouns' (each noun's
//! file runs them).

use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum CustomerCommand {
    /// Create a customer (whom licences are sold to; owns projects and licences)
    Create {
        /// The customer's slug: lowercase letters, digits and single dashes, 1 to 64 long
        slug: String,
        /// Display name [default: the slug]
        #[arg(long)]
        name: Option<String>,
        /// Contact address, e.g. for billing
        #[arg(long)]
        email: Option<String>,
    },
    /// List customers, with how many projects and licences each has
    List,
    /// A customer's projects, licences, tokens and downloads in the last 30 days
    Show {
        /// The customer's slug (see `customer list`)
        slug: String,
    },
    /// Change a customer's display name
    Rename {
        /// The customer's slug
        slug: String,
        /// The new display name
        #[arg(long)]
        name: String,
    },
    /// Delete a customer with its projects, their tokens, and its licences
    Delete {
        /// The customer's slug
        slug: String,
        /// Really delete; without it, only show what would go
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum ProjectCommand {
    /// Create a project (a customer's environment)
    Create {
        /// The project's slug: lowercase letters, digits and single dashes, 1 to 64 long
        slug: String,
        /// Display name [default: the slug]
        #[arg(long)]
        name: Option<String>,
        /// The customer it belongs to [default: the customer of the first licence activated on it]
        #[arg(long, value_name = "SLUG")]
        customer: Option<String>,
    },
    /// List projects
    List {
        /// Only this customer's projects
        #[arg(long, value_name = "SLUG")]
        customer: Option<String>,
    },
    /// Change a project's display name
    Rename {
        /// The project's slug
        slug: String,
        /// The new display name
        #[arg(long)]
        name: String,
    },
    /// Delete a project: its tokens are removed and its licence activations dropped
    Delete {
        /// The project's slug
        slug: String,
        /// Really delete; without it, only show what would go
        #[arg(long)]
        yes: bool,
    },
    /// List visible releases whose hosted requirements no visible version satisfies (exit 1 if any)
    Check {
        /// The project's slug (see `project list`)
        slug: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Issue a token; the private key is shown this one time only
    Create {
        /// The slug of the project the token belongs to (see `project list`)
        #[arg(long, value_name = "SLUG")]
        project: String,
        /// Who or what uses it, e.g. "CI" (shown in `token list`)
        #[arg(long, value_name = "TEXT")]
        label: Option<String>,
        /// Write (or merge into) this auth.json
        #[arg(long, value_name = "PATH")]
        auth_json: Option<PathBuf>,
        /// Host (and :port, when the repository URL has one) Composer uses for this server
        #[arg(long, value_name = "HOST[:PORT]")]
        host: Option<String>,
        /// Stop working at the end of this day (UTC), or at an RFC 3339 instant
        #[arg(long, value_name = "DATE", conflicts_with = "expires_in")]
        expires: Option<String>,
        /// Stop working this long from now: 90d, 12w, 6m, 1y
        #[arg(long, value_name = "PERIOD")]
        expires_in: Option<String>,
        /// Only from this address or CIDR (repeatable); default: anywhere
        #[arg(long, value_name = "CIDR")]
        allow_ip: Vec<String>,
    },
    /// List tokens (never shows private keys)
    List {
        /// Only this project's tokens (its slug)
        #[arg(long, value_name = "SLUG")]
        project: Option<String>,
        /// Only tokens expiring within this period (30d), soonest first, expired ones included
        #[arg(long, value_name = "PERIOD")]
        expiring: Option<String>,
    },
    /// A token and its use per UTC day: requests, addresses and user agents
    Show {
        /// The token's public key (its username in auth.json)
        public_key: String,
        /// Days of history, today included
        #[arg(long, value_name = "N", default_value_t = 30)]
        days: u32,
    },
    /// Revoke a token (and a key it replaced that is still in its overlap); its next request fails
    Revoke {
        /// The token's public key (its username in auth.json)
        public_key: String,
    },
    /// Give a token a new key pair, shown once; the old pair works until the overlap ends
    Rotate {
        /// The token's public key (its username in auth.json)
        public_key: String,
        /// How long the old key pair keeps working: 2s, 30m, 12h, 7d; default: not at all
        #[arg(long, value_name = "DURATION")]
        overlap: Option<String>,
        /// Write (or merge into) this auth.json
        #[arg(long, value_name = "PATH")]
        auth_json: Option<PathBuf>,
        /// Host (and :port, when the repository URL has one) Composer uses for this server
        #[arg(long, value_name = "HOST[:PORT]")]
        host: Option<String>,
    },
    /// Set when a token stops working
    #[command(group = clap::ArgGroup::new("expiry").required(true).args(["expires", "expires_in", "never"]))]
    Extend {
        /// The token's public key (its username in auth.json)
        public_key: String,
        /// The end of this day (UTC), or an RFC 3339 instant
        #[arg(long, value_name = "DATE")]
        expires: Option<String>,
        /// This long from now: 90d, 12w, 6m, 1y
        #[arg(long, value_name = "PERIOD")]
        expires_in: Option<String>,
        /// The token never expires
        #[arg(long)]
        never: bool,
    },
    /// Set the addresses a token may be used from
    #[command(group = clap::ArgGroup::new("where").required(true).args(["ip", "anywhere"]))]
    Allow {
        /// The token's public key (its username in auth.json)
        public_key: String,
        /// An address or CIDR (repeatable); replaces the token's list
        #[arg(long, value_name = "CIDR")]
        ip: Vec<String>,
        /// Usable from any address again
        #[arg(long)]
        anywhere: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum LicenceCommand {
    /// Create a licence for packages (exact names or globs such as acme/*)
    #[command(group = clap::ArgGroup::new("owner").required(true).multiple(true).args(["customer", "holder"]))]
    Create {
        /// The customer the licence is sold to (see `customer list`)
        #[arg(long, value_name = "SLUG")]
        customer: Option<String>,
        /// The customer by display name; created when no customer has that name, with a slug made
        /// from it (`Acme Shop GmbH` → `acme-shop-gmbh`, numbered `-2`, `-3`… when taken)
        #[arg(long, value_name = "NAME")]
        holder: Option<String>,
        /// What it grants: package names (vendor/name) or globs (vendor/*); one or more
        #[arg(long = "package", value_name = "PATTERN", num_args = 1.., required = true)]
        packages: Vec<String>,
        /// End of the access window (YYYY-MM-DD = end of that day, UTC; or RFC 3339); perpetual without
        #[arg(long, value_name = "DATE")]
        access_until: Option<String>,
        /// Only releases satisfying this Composer constraint, e.g. '^2.0' [default: any version]
        #[arg(long, value_name = "CONSTRAINT")]
        versions: Option<String>,
        /// Active on at most N projects at once [default: unlimited]
        #[arg(long, value_name = "N")]
        seats: Option<u32>,
        /// Do not make the hosted packages its releases require visible
        #[arg(long)]
        no_dependencies: bool,
        /// A note for the vendor (an order number, a contact)
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
    },
    /// Let a project's tokens see what the licence grants
    Activate {
        /// The licence's id (see `licence list`)
        id: String,
        /// The project's slug
        #[arg(long, value_name = "SLUG")]
        project: String,
    },
    /// Stop a project's tokens seeing what the licence grants
    Deactivate {
        /// The licence's id (see `licence list`)
        id: String,
        /// The project's slug
        #[arg(long, value_name = "SLUG")]
        project: String,
    },
    /// Revoke a licence everywhere
    Revoke {
        /// The licence's id (see `licence list`)
        id: String,
    },
    /// List licences, oldest first; with --expiring, the subscriptions that end soon
    List {
        /// Only unrevoked subscriptions whose window closes within this period, soonest first (30d, 2w, 3m, 1y)
        #[arg(long, value_name = "PERIOD")]
        expiring: Option<String>,
        /// Only this customer's licences
        #[arg(long, value_name = "SLUG")]
        customer: Option<String>,
    },
    /// What a project's tokens see, version by version, and why the rest is hidden
    Preview {
        /// The project's slug
        #[arg(long, value_name = "SLUG")]
        project: String,
    },
    /// Renew a subscription: a new end for its access window, or a period added to the current end
    #[command(group = clap::ArgGroup::new("end").required(true).args(["access_until", "by"]))]
    Extend {
        /// The licence's id (see `licence list`)
        id: String,
        /// The new end of the window (YYYY-MM-DD = end of that day, UTC; or RFC 3339)
        #[arg(long, value_name = "DATE")]
        access_until: Option<String>,
        /// Add this period to the current end, even one already past: 30d, 2w, 12m, 1y
        #[arg(long, value_name = "PERIOD")]
        by: Option<String>,
    },
    /// Change a licence's terms at once; what is not given stays as it is
    Edit {
        /// The licence's id (see `licence list`)
        id: String,
        /// Also grant these names or globs
        #[arg(long = "add-package", value_name = "PATTERN")]
        add_packages: Vec<String>,
        /// Stop granting these (as written in the licence)
        #[arg(long = "remove-package", value_name = "PATTERN")]
        remove_packages: Vec<String>,
        /// Only releases satisfying this Composer constraint from now on, e.g. '^2.0'
        #[arg(long, value_name = "CONSTRAINT", conflicts_with = "any_version")]
        versions: Option<String>,
        /// Drop the version constraint
        #[arg(long)]
        any_version: bool,
        /// Active on at most N projects (not fewer than it is active on now)
        #[arg(long, value_name = "N", conflicts_with = "unlimited_seats")]
        seats: Option<u32>,
        /// No seat limit
        #[arg(long)]
        unlimited_seats: bool,
        /// Make the hosted packages its releases require visible too
        #[arg(long, conflicts_with = "no_dependencies")]
        dependencies: bool,
        /// Leave the hosted packages its releases require hidden
        #[arg(long)]
        no_dependencies: bool,
        /// Replace the note ('' removes it)
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
    },
    /// Show a licence in full, with the projects it is active on
    Show {
        /// The licence's id (see `licence list`)
        id: String,
    },
    /// Move one activation from a project to another at once (keeps within the seats)
    Move {
        /// The licence's id (see `licence list`)
        id: String,
        /// The slug of the project it is active on now
        #[arg(long, value_name = "PROJECT")]
        from: String,
        /// The slug of the project to activate it on instead
        #[arg(long, value_name = "PROJECT")]
        to: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum PackageCommand {
    /// Publish release zips (a file, or a folder searched for zips)
    Publish {
        /// Zip files, or folders searched for zips
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Version [default: composer.json "version", else the file name, e.g. 1.4.2.zip]
        #[arg(long)]
        version: Option<String>,
        /// Release time [default: composer.json "time", else now]
        #[arg(long, value_name = "DATE")]
        released_at: Option<String>,
    },
    /// List packages
    List,
    /// Show a package's versions
    Show {
        /// The package (vendor/name)
        name: String,
    },
    /// Hide a version from metadata; lock files that pin it still install it
    Yank {
        /// The package (vendor/name)
        name: String,
        /// The version as published (e.g. 1.4.2)
        version: String,
        /// Shown in `package show`
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
    },
    /// Restore a yanked version to the metadata
    Unyank {
        /// The package (vendor/name)
        name: String,
        /// The version as published (e.g. 1.4.2)
        version: String,
    },
    /// Delete a version (and its archive, unless another version has the same bytes); lock files
    /// that pin it stop installing, so consider `yank`
    Remove {
        /// The package (vendor/name)
        name: String,
        /// The version as published (e.g. 1.4.2)
        version: String,
        /// Really delete; without it, only show what would go
        #[arg(long)]
        yes: bool,
    },
    /// Recent publish attempts (CLI, uploads, inbox) and their outcomes, newest first
    Log(RecentArgs),
    /// Publish a local git repository's version tags (and, with --branches, dev versions)
    ImportGit(super::git_import::ImportGitArgs),
}

#[derive(Args, Debug)]
pub struct RecentArgs {
    /// How many recent events to show
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Keep printing new events as they happen, until the server stops (needs a running server)
    #[arg(long)]
    pub follow: bool,
}

#[derive(Subcommand, Debug)]
pub enum AdvisoryCommand {
    /// Record a security advisory for a package; `composer audit` shows it to customers
    Add(AdvisoryAddArgs),
    /// List advisories in id order (withdrawn ones only with --all)
    List {
        /// Only this package's advisories
        #[arg(long, value_name = "NAME")]
        package: Option<String>,
        /// Include withdrawn advisories (marked)
        #[arg(long)]
        all: bool,
    },
    /// An advisory in full, with the published versions it covers and the fix
    Show {
        /// The advisory's id, e.g. PKGA-2026-0001
        id: String,
    },
    /// Change an advisory at once; what is not given stays as it is
    Edit(AdvisoryEditArgs),
    /// Stop serving an advisory; it keeps its id and stays listed with --all
    Withdraw {
        /// The advisory's id, e.g. PKGA-2026-0001
        id: String,
    },
    /// Who downloaded a version the advisory covers, and whether they moved to the fix
    Impact {
        /// The advisory's id, e.g. PKGA-2026-0001
        id: String,
    },
}

#[derive(Args, Debug)]
pub struct AdvisoryAddArgs {
    /// The package (vendor/name), already published here
    pub package: String,
    /// The affected versions as a Composer constraint, e.g. '>=1.0,<1.2.3'
    #[arg(long, value_name = "CONSTRAINT")]
    pub affected: String,
    /// One line saying what is wrong
    #[arg(long, value_name = "TEXT")]
    pub title: String,
    /// low, medium, high or critical
    #[arg(long, value_name = "LEVEL")]
    pub severity: Option<String>,
    /// The CVE id, e.g. CVE-2026-12345
    #[arg(long, value_name = "CVE")]
    pub cve: Option<String>,
    /// Where the details are (an http:// or https:// URL)
    #[arg(long, value_name = "URL")]
    pub link: Option<String>,
    /// When the issue was reported (YYYY-MM-DD, YYYY-MM-DD HH:MM:SS UTC, or RFC 3339) [default: now]
    #[arg(long, value_name = "DATE")]
    pub reported_at: Option<String>,
    /// Record it even though the constraint matches no published version
    #[arg(long)]
    pub force: bool,
    /// Also yank every published version it covers, in the same step
    #[arg(long)]
    pub yank: bool,
}

#[derive(Args, Debug)]
pub struct AdvisoryEditArgs {
    /// The advisory's id, e.g. PKGA-2026-0001
    pub id: String,
    /// New affected versions (a Composer constraint)
    #[arg(long, value_name = "CONSTRAINT")]
    pub affected: Option<String>,
    /// New title
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
    /// low, medium, high or critical
    #[arg(long, value_name = "LEVEL", conflicts_with = "no_severity")]
    pub severity: Option<String>,
    /// Remove the severity
    #[arg(long)]
    pub no_severity: bool,
    /// New CVE id
    #[arg(long, value_name = "CVE", conflicts_with = "no_cve")]
    pub cve: Option<String>,
    /// Remove the CVE id
    #[arg(long)]
    pub no_cve: bool,
    /// New link
    #[arg(long, value_name = "URL", conflicts_with = "no_link")]
    pub link: Option<String>,
    /// Remove the link
    #[arg(long)]
    pub no_link: bool,
    /// New report date
    #[arg(long, value_name = "DATE")]
    pub reported_at: Option<String>,
    /// Accept a new constraint that matches no published version
    #[arg(long)]
    pub force: bool,
}

#[derive(Subcommand, Debug)]
pub enum PublisherCommand {
    /// Issue a publisher token; the private key is shown this one time only
    Create {
        /// Who or what uploads with it, e.g. "release CI" (shown in `publisher list`)
        #[arg(long, value_name = "TEXT")]
        label: Option<String>,
        /// Only these names or globs (e.g. 'acme/*') [default: any package]
        #[arg(long = "package", value_name = "PATTERN", num_args = 1..)]
        packages: Vec<String>,
    },
    /// List publisher tokens (never shows private keys)
    List,
    /// Revoke a publisher token; its next upload fails
    Revoke {
        /// The publisher token's public key
        public_key: String,
    },
}

/// Each flag overrides the environment variable beside it, which overrides the config file.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ServeArgs {
    /// Plain-HTTP address(es) for the Composer endpoints [default: 127.0.0.1:8080]
    #[arg(
        long,
        env = "PACKAGENTO_LISTEN",
        value_delimiter = ',',
        value_name = "ADDR"
    )]
    pub listen: Option<Vec<String>>,
    /// Absolute base URL for dist links (e.g. https://packages.example.com); default: the request's scheme and Host
    #[arg(long, env = "PACKAGENTO_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    /// PEM certificate chain: serve HTTPS (with --tls-key) on --tls-listen
    #[arg(long, env = "PACKAGENTO_TLS_CERT", value_name = "PATH")]
    pub tls_cert: Option<std::path::PathBuf>,
    /// PEM private key for --tls-cert
    #[arg(long, env = "PACKAGENTO_TLS_KEY", value_name = "PATH")]
    pub tls_key: Option<std::path::PathBuf>,
    /// HTTPS address(es) [default: 127.0.0.1:8443]
    #[arg(
        long,
        env = "PACKAGENTO_TLS_LISTEN",
        value_delimiter = ',',
        value_name = "ADDR"
    )]
    pub tls_listen: Option<Vec<String>>,
    /// Proxy address or CIDR whose X-Forwarded-* / Forwarded headers are believed (repeatable)
    #[arg(
        long = "trusted-proxy",
        env = "PACKAGENTO_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_name = "CIDR"
    )]
    pub trusted_proxies: Option<Vec<String>>,
    /// Serve /metrics and /healthz on this address as well (metrics are always on the admin socket)
    #[arg(long, env = "PACKAGENTO_METRICS_LISTEN", value_name = "ADDR")]
    pub metrics_listen: Option<String>,
    /// Folder watched for release zips to publish [default: <data-dir>/inbox]
    #[arg(long, env = "PACKAGENTO_INBOX_DIR", value_name = "DIR")]
    pub inbox_dir: Option<std::path::PathBuf>,
    /// Log line format: human or json
    #[arg(long, env = "PACKAGENTO_LOG_FORMAT", value_name = "FORMAT")]
    pub log_format: Option<String>,
}

impl ServeArgs {
    /// What the environment says, for `packagento` without a subcommand (serve with defaults).
    pub fn from_env() -> Self {
        use clap::{Args, FromArgMatches};
        let command = ServeArgs::augment_args(clap::Command::new("serve"));
        command
            .try_get_matches_from(["serve"])
            .ok()
            .and_then(|matches| ServeArgs::from_arg_matches(&matches).ok())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Every visible argument of `command` and its subcommands that has no help text.
    fn undocumented(command: &clap::Command, path: &str, found: &mut Vec<String>) {
        for arg in command.get_arguments() {
            let builtin = matches!(arg.get_id().as_str(), "help" | "version");
            if !builtin && !arg.is_hide_set() && arg.get_help().is_none() {
                found.push(format!("{path} {}", arg.get_id()));
            }
        }
        for sub in command.get_subcommands() {
            undocumented(sub, &format!("{path} {}", sub.get_name()), found);
        }
    }

    #[test]
    fn every_argument_of_every_command_has_help_text() {
        let mut found = Vec::new();
        undocumented(&super::super::Cli::command(), "packagento", &mut found);
        assert!(found.is_empty(), "arguments without help: {found:#?}");
    }
}
