//! Who holds which licences: the projects and licences every view is made from, kept between
//! rebuilds so a change rereads only the rows it wrote and regrants only the projects they name.

use super::sharded::ShardedMap;
use crate::domain::licence::{GrantSet, Licence};
use crate::domain::names::ProjectSlug;
use crate::domain::records::Project;
use crate::store::{StoreError, Writer};
use std::collections::BTreeSet;
use std::sync::Arc;

#[derive(Clone, Default)]
pub struct Access {
    projects: ShardedMap<ProjectSlug, ()>,
    licences: ShardedMap<String, Arc<Licence>>,
    /// The ids of the licences naming each project, active or not.
    by_project: ShardedMap<ProjectSlug, BTreeSet<String>>,
}

impl Access {
    pub fn new(projects: Vec<Project>, licences: Vec<Licence>) -> Self {
        let mut access = Access {
            projects: projects.into_iter().map(|p| (p.slug, ())).collect(),
            ..Access::default()
        };
        for licence in licences {
            name_projects(&mut access.by_project, &licence);
            access
                .licences
                .insert(licence.id.clone(), Arc::new(licence));
        }
        access
    }

    /// Every project, in slug order.
    pub fn projects(&self) -> Vec<&ProjectSlug> {
        let mut projects: Vec<&ProjectSlug> = self.projects.keys().collect();
        projects.sort_unstable();
        projects
    }

    pub fn has_project(&self, project: &ProjectSlug) -> bool {
        self.projects.contains_key(project)
    }

    pub fn grants(&self, project: &ProjectSlug) -> GrantSet {
        let ids = self.by_project.get(project).into_iter().flatten();
        let licences = ids.filter_map(|id| self.licences.get(id)).map(Arc::as_ref);
        GrantSet::for_project(project, licences)
    }

    /// This access with the project and licence rows named read again, and the projects whose
    /// grants may have changed: those rows' projects, before and after. `None` when a name is not
    /// one a row could be stored under: then only a full build is sure.
    pub fn with_rows(
        &self,
        writer: &Writer,
        projects: &BTreeSet<String>,
        licences: &BTreeSet<String>,
    ) -> Result<Option<(Access, BTreeSet<ProjectSlug>)>, StoreError> {
        let mut next = self.clone();
        let mut moved = BTreeSet::new();
        for text in projects {
            let Ok(slug) = ProjectSlug::parse(text) else {
                return Ok(None);
            };
            match writer.project(&slug)? {
                Some(_) => next.projects.insert(slug.clone(), ()),
                None => next.projects.remove(&slug),
            };
            moved.insert(slug);
        }
        for id in licences {
            if let Some(old) = next.licences.remove(id) {
                unname_projects(&mut next.by_project, &old);
                moved.extend(old.projects.iter().cloned());
            }
            if let Some(licence) = writer.licence(id)? {
                name_projects(&mut next.by_project, &licence);
                moved.extend(licence.projects.iter().cloned());
                next.licences.insert(id.clone(), Arc::new(licence));
            }
        }
        Ok(Some((next, moved)))
    }
}

fn name_projects(by_project: &mut ShardedMap<ProjectSlug, BTreeSet<String>>, licence: &Licence) {
    for project in &licence.projects {
        let ids = by_project.get_or_insert_with(project.clone(), BTreeSet::new);
        ids.insert(licence.id.clone());
    }
}

fn unname_projects(by_project: &mut ShardedMap<ProjectSlug, BTreeSet<String>>, licence: &Licence) {
    for project in &licence.projects {
        if let Some(ids) = by_project.get_mut(project) {
            ids.remove(&licence.id);
            if ids.is_empty() {
                by_project.remove(project);
            }
        }
    }
}
