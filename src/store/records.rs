//! Typed access to each aggregate, so callers never spell a table or a key format.

use super::tables::{
    ADVISORIES, CUSTOMERS, LICENCES, META, PROJECT_VIEWS, PROJECTS, RELEASES, SHELF_STAMPS, TOKENS,
};
use super::{ReadTables, Reader, Result, Writer};
use crate::domain::advisory::Advisory;
use crate::domain::licence::Licence;
use crate::domain::names::{CustomerSlug, PackageName, ProjectSlug, PublicKey};
use crate::domain::records::{Customer, Project, Release, Token};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub content_hash: String,
    pub last_modified: i64,
}

fn release_key(name: &PackageName, version_normalized: &str) -> String {
    format!("{name}\0{version_normalized}")
}

/// The shelf a project reads its metadata from, and the instant it began to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectViewRecord {
    pub shelf: String,
    pub since: i64,
}

/// `text` as it appears inside a stored JSON string, escapes and all.
fn json_text(text: &str) -> String {
    let quoted = serde_json::Value::from(text).to_string();
    quoted[1..quoted.len() - 1].to_string()
}

fn stamp_key(shelf: &str, resource: &str) -> String {
    format!("{shelf}\0{resource}")
}

/// The read accessors, one definition for a `Reader` and for reads inside a `Writer`'s
/// transaction (which see its own uncommitted changes).
macro_rules! read_accessors {
    ($($transaction:ident),*) => {$(
        impl $transaction<'_> {
            pub fn customer(&self, slug: &CustomerSlug) -> Result<Option<Customer>> {
                self.get(CUSTOMERS, slug.as_str())
            }
            pub fn customers(&self) -> Result<Vec<Customer>> {
                self.list(CUSTOMERS)
            }
            /// The first customer, by slug, called exactly `name`.
            pub fn customer_named(&self, name: &str) -> Result<Option<Customer>> {
                self.find_first(CUSTOMERS, &json_text(name), |c: &Customer| c.name == name)
            }
            pub fn project(&self, slug: &ProjectSlug) -> Result<Option<Project>> {
                self.get(PROJECTS, slug.as_str())
            }
            pub fn projects(&self) -> Result<Vec<Project>> {
                self.list(PROJECTS)
            }
            pub fn token(&self, key: &PublicKey) -> Result<Option<Token>> {
                self.get(TOKENS, key.as_str())
            }
            pub fn tokens(&self) -> Result<Vec<Token>> {
                self.list(TOKENS)
            }
            pub fn licence(&self, id: &str) -> Result<Option<Licence>> {
                self.get(LICENCES, id)
            }
            pub fn licences(&self) -> Result<Vec<Licence>> {
                self.list(LICENCES)
            }
            pub fn release(
                &self,
                name: &PackageName,
                version_normalized: &str,
            ) -> Result<Option<Release>> {
                self.get(RELEASES, &release_key(name, version_normalized))
            }
            pub fn releases(&self) -> Result<Vec<Release>> {
                self.list(RELEASES)
            }
            pub fn advisory(&self, id: &str) -> Result<Option<Advisory>> {
                self.get(ADVISORIES, id)
            }
            /// Every advisory, withdrawn ones included, in id order.
            pub fn advisories(&self) -> Result<Vec<Advisory>> {
                self.list(ADVISORIES)
            }
            pub fn stamp(&self, shelf: &str, resource: &str) -> Result<Option<Stamp>> {
                self.get(SHELF_STAMPS, &stamp_key(shelf, resource))
            }
            pub fn project_view(&self, project: &ProjectSlug) -> Result<Option<ProjectViewRecord>> {
                self.get(PROJECT_VIEWS, project.as_str())
            }
            /// The last Last-Modified instant handed out; new ones must be later, even within
            /// a second.
            pub fn stamp_clock(&self) -> Result<i64> {
                Ok(self.get(META, "stamp_clock")?.unwrap_or(0))
            }
        }
    )*};
}

read_accessors!(Reader, Writer);

impl Writer<'_> {
    pub fn put_customer(&self, customer: &Customer) -> Result<()> {
        self.put(CUSTOMERS, customer.slug.as_str(), customer)
    }
    /// Deletes the customer record only; its projects and licences are the caller's to handle.
    pub fn delete_customer(&self, slug: &CustomerSlug) -> Result<bool> {
        self.remove(CUSTOMERS, slug.as_str())
    }
    pub fn put_project(&self, project: &Project) -> Result<()> {
        self.put(PROJECTS, project.slug.as_str(), project)
    }
    /// Deletes the project record only; its tokens and activations are the caller's to handle.
    pub fn delete_project(&self, slug: &ProjectSlug) -> Result<bool> {
        self.remove(PROJECTS, slug.as_str())
    }
    pub fn put_token(&self, token: &Token) -> Result<()> {
        self.put(TOKENS, token.public_key.as_str(), token)
    }
    pub fn delete_token(&self, key: &PublicKey) -> Result<bool> {
        self.remove(TOKENS, key.as_str())
    }
    pub fn put_licence(&self, licence: &Licence) -> Result<()> {
        self.put(LICENCES, &licence.id, licence)
    }
    pub fn delete_licence(&self, id: &str) -> Result<bool> {
        self.remove(LICENCES, id)
    }
    pub fn put_release(&self, release: &Release) -> Result<()> {
        let key = release_key(&release.name, &release.version_normalized);
        self.put(RELEASES, &key, release)?;
        self.added_releases.borrow_mut().push(release.clone());
        Ok(())
    }
    /// Deletes a release record; the rebuild in the same transaction drops it from the catalogue.
    pub fn delete_release(&self, name: &PackageName, version_normalized: &str) -> Result<bool> {
        let removed = self.remove(RELEASES, &release_key(name, version_normalized))?;
        if removed {
            self.removed_releases
                .borrow_mut()
                .push((name.clone(), version_normalized.to_string()));
        }
        Ok(removed)
    }
    pub fn put_advisory(&self, advisory: &Advisory) -> Result<()> {
        self.put(ADVISORIES, &advisory.id, advisory)
    }
    pub fn put_stamp(&self, shelf: &str, resource: &str, stamp: &Stamp) -> Result<()> {
        self.put(SHELF_STAMPS, &stamp_key(shelf, resource), stamp)
    }
    /// Forgets the stamps of a shelf no project reads any more.
    pub fn remove_stamps(
        &self,
        shelf: &str,
        resources: impl IntoIterator<Item = String>,
    ) -> Result<()> {
        for resource in resources {
            self.remove(SHELF_STAMPS, &stamp_key(shelf, &resource))?;
        }
        Ok(())
    }
    pub fn put_project_view(
        &self,
        project: &ProjectSlug,
        record: &ProjectViewRecord,
    ) -> Result<()> {
        self.put(PROJECT_VIEWS, project.as_str(), record)
    }
    pub fn remove_project_view(&self, project: &ProjectSlug) -> Result<bool> {
        self.remove(PROJECT_VIEWS, project.as_str())
    }
    pub fn set_stamp_clock(&self, instant: i64) -> Result<()> {
        self.put(META, "stamp_clock", &instant)
    }
}

/// The small, often-changing records every rebuild of the serving snapshot reads afresh.
/// Releases are immutable and many, so they are carried over between rebuilds instead.
pub struct AccessRecords {
    pub projects: Vec<Project>,
    pub tokens: Vec<Token>,
    pub licences: Vec<Licence>,
}

impl Writer<'_> {
    pub fn access_records(&self) -> Result<AccessRecords> {
        Ok(AccessRecords {
            projects: self.projects()?,
            tokens: self.tokens()?,
            licences: self.licences()?,
        })
    }

    /// Releases written by this transaction, so a rebuild adds them without rereading the rest.
    pub fn added_releases(&self) -> Vec<Release> {
        self.added_releases.borrow().clone()
    }

    /// Releases deleted by this transaction, as (name, normalized version).
    pub fn removed_releases(&self) -> Vec<(PackageName, String)> {
        self.removed_releases.borrow().clone()
    }
}
