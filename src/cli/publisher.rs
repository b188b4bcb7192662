//! `packagento publisher …`: credentials for CI uploads, which may publish and nothing else.

use super::CliError;
use super::args::PublisherCommand;
use super::output::print_json;
use crate::domain::text::printable;
use crate::service::admin::{Admin, PublisherCreate, PublisherList, PublisherRevoke};
use crate::service::publishers::CreatedPublisher;
use crate::service::summaries::PublisherSummary;

pub fn run(admin: &Admin, command: PublisherCommand, json: bool) -> Result<(), CliError> {
    match command {
        PublisherCommand::Create { label, packages } => {
            let created: CreatedPublisher = admin.call(PublisherCreate { label, packages })?;
            if json {
                print_json(&created)
            } else {
                print_created(&created)
            }
        }
        PublisherCommand::List => {
            let list: Vec<PublisherSummary> = admin.call(PublisherList {})?;
            if json {
                print_json(&list)
            } else {
                list.iter().for_each(print_summary)
            }
        }
        PublisherCommand::Revoke { public_key } => {
            let revoked: PublisherSummary = admin.call(PublisherRevoke { public_key })?;
            if json {
                print_json(&revoked)
            } else {
                println!("revoked publisher token {}", revoked.public_key)
            }
        }
    }
    Ok(())
}

fn scope(packages: &[String]) -> String {
    if packages.is_empty() {
        "any package".to_string()
    } else {
        packages.join(", ")
    }
}

fn print_created(created: &CreatedPublisher) {
    let listen =
        std::env::var("PACKAGENTO_LISTEN").unwrap_or_else(|_| super::serve::DEFAULT_LISTEN.into());
    let host = listen.replace("0.0.0.0", "127.0.0.1");
    println!(
        "Publisher token created; it may publish {}.",
        scope(&created.packages)
    );
    println!("  public key:  {}", created.public_key);
    println!(
        "  private key: {}  (shown this one time only: store it now, e.g. as a CI secret)",
        created.private_key
    );
    println!();
    println!("Upload a release (version from ?version= or composer.json):");
    println!(
        "  curl --fail-with-body -u {}:{} --data-binary @release.zip 'http://{host}/api/publish?version=1.2.0'",
        created.public_key, created.private_key
    );
}

fn print_summary(token: &PublisherSummary) {
    let state = match token.revoked_at {
        Some(at) => format!("revoked {}", crate::domain::time::to_rfc3339(at)),
        None => "active".to_string(),
    };
    println!(
        "{}  {:<20} {:<8} may publish {}",
        token.public_key,
        printable(&token.label),
        state,
        scope(&token.packages)
    );
}
