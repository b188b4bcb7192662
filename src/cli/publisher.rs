//! `packagento publisher …`: credentials for CI uploads, which may publish and nothing else.

use super::CliError;
use super::args::PublisherCommand;
use super::output::print_json;
use crate::config::Config;
use crate::domain::text::printable;
use crate::service::admin::{Admin, PublisherCreate, PublisherList, PublisherRevoke};
use crate::service::publishers::CreatedPublisher;
use crate::service::summaries::PublisherSummary;

pub fn run(
    admin: &Admin,
    command: PublisherCommand,
    json: bool,
    config: &Config,
) -> Result<(), CliError> {
    match command {
        PublisherCommand::Create { label, packages } => {
            let created: CreatedPublisher = admin.call(PublisherCreate { label, packages })?;
            let publish_url = format!(
                "{}/api/publish",
                super::host::resolve(admin, config)?.base_url
            );
            if json {
                print_json(&with_publish_url(&created, &publish_url))
            } else {
                print_created(&created, &publish_url)
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

/// The created token's fields and where CI uploads to.
fn with_publish_url(created: &CreatedPublisher, publish_url: &str) -> serde_json::Value {
    let mut value = serde_json::to_value(created).unwrap_or_default();
    if let Some(fields) = value.as_object_mut() {
        fields.insert("publish_url".into(), publish_url.into());
    }
    value
}

fn print_created(created: &CreatedPublisher, publish_url: &str) {
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
        "  curl --fail-with-body -u {}:{} --data-binary @release.zip '{publish_url}?version=1.2.0'",
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
