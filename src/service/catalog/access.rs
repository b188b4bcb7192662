//! Who holds which licences: the projects and licences every view is made from, kept between
//! rebuilds so a change rereads only the rows it wrote and regrants only the projects they name.

use crate::domain::licence::{GrantSet, Licence};
use crate::domain::names::ProjectSlug;
use crate::domain::records::Project;
use crate::store::{StoreError, Writer};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

#[derive(Clone, Default)]
pub struct Access {
    projects: Arc<BTreeSet<ProjectSlug>>,
    licences: Arc<HashMap<String, Arc<Licence>>>,
    /// The ids of the licences naming each project, active or not.
    by_project: Arc<HashMap<ProjectSlug, BTreeSet<String>>>,
}

impl Access {
    pub fn new(projects: Vec<Project>, licences: Vec<Licence>) -> Self {
        let mut access = Access {
            projects: Arc::new(projects.into_iter().map(|p| p.slug).collect()),
            ..Access::default()
        };
        let (by_id, by_project) = (
            Arc::make_mut(&mut access.licences),
            Arc::make_mut(&mut access.by_project),
        );
        for licence in licences {
            name_projects(by_project, &licence);
            by_id.insert(licence.id.clone(), Arc::new(licence));
        }
        access
    }

    pub fn projects(&self) -> impl Iterator<Item = &ProjectSlug> {
        self.projects.iter()
    }

    pub fn has_project(&self, project: &ProjectSlug) -> bool {
        self.projects.contains(project)
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
        if !projects.is_empty() {
            let slugs = Arc::make_mut(&mut next.projects);
            for text in projects {
                let Ok(slug) = ProjectSlug::parse(text) else {
                    return Ok(None);
                };
                match writer.project(&slug)? {
                    Some(_) => slugs.insert(slug.clone()),
                    None => slugs.remove(&slug),
                };
                moved.insert(slug);
            }
        }
        if !licences.is_empty() {
            let by_id = Arc::make_mut(&mut next.licences);
            let by_project = Arc::make_mut(&mut next.by_project);
            for id in licences {
                if let Some(old) = by_id.remove(id) {
                    unname_projects(by_project, &old);
                    moved.extend(old.projects.iter().cloned());
                }
                if let Some(licence) = writer.licence(id)? {
                    name_projects(by_project, &licence);
                    moved.extend(licence.projects.iter().cloned());
                    by_id.insert(id.clone(), Arc::new(licence));
                }
            }
        }
        Ok(Some((next, moved)))
    }
}

fn name_projects(by_project: &mut HashMap<ProjectSlug, BTreeSet<String>>, licence: &Licence) {
    for project in &licence.projects {
        let ids = by_project.entry(project.clone()).or_default();
        ids.insert(licence.id.clone());
    }
}

fn unname_projects(by_project: &mut HashMap<ProjectSlug, BTreeSet<String>>, licence: &Licence) {
    for project in &licence.projects {
        if let Some(ids) = by_project.get_mut(project) {
            ids.remove(&licence.id);
            if ids.is_empty() {
                by_project.remove(project);
            }
        }
    }
}
