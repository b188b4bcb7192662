//! `project check`: the visible releases whose hosted requirements nothing visible satisfies, so
//! that `composer install` would fail for the project before a customer finds out.

use super::{App, Result, ServiceError, invalid};
use crate::domain::names::ProjectSlug;
use crate::domain::visibility::Visibility;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectCheckReport {
    pub project: String,
    /// Empty when every hosted requirement of every visible release can be met.
    pub gaps: Vec<RequirementGap>,
}

/// `package` `version` requires `requires` `constraint`, and no visible version satisfies it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequirementGap {
    pub package: String,
    pub version: String,
    pub requires: String,
    pub constraint: String,
}

/// Runs the serving rules for the project's grants, so it reports exactly what its tokens see.
pub fn project_check(app: &App, project: &str) -> Result<ProjectCheckReport> {
    let slug = ProjectSlug::parse(project).map_err(invalid)?;
    let catalog = app.catalog();
    let view = catalog.view(&slug).ok_or_else(|| {
        ServiceError::NotFound(format!(
            "no project {slug:?} (see `packagento project list`)"
        ))
    })?;
    let visibility = Visibility::compute(view.grants().grants(), &catalog.index);
    let gaps = visibility
        .gaps(&catalog.index)
        .into_iter()
        .map(|gap| RequirementGap {
            package: gap.release.name.to_string(),
            version: gap.release.version.clone(),
            requires: gap.requirement.package.to_string(),
            constraint: gap.requirement.constraint,
        })
        .collect();
    Ok(ProjectCheckReport {
        project: slug.to_string(),
        gaps,
    })
}
