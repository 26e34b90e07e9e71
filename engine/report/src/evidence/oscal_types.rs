//! The subset of the OSCAL 1.1 `assessment-results` model that Palisade
//! emits, as serde structs with OSCAL's hyphenated field names. Written by
//! hand rather than taken from a generated crate: the subset is small, and
//! the only crate of generated types (`oscal` 0.1) is about 29,000 lines of
//! code plus embedded catalogs, names no OSCAL version, and would be a
//! second copy of types nobody else here uses. Optional lists are left out
//! when empty (the schema wants at least one item in each list present).

use std::borrow::Cow;

use serde::Serialize;

/// The document root.
#[derive(Serialize)]
pub struct Document<'a> {
    #[serde(rename = "assessment-results")]
    pub assessment_results: AssessmentResults<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct AssessmentResults<'a> {
    pub uuid: String,
    pub metadata: Metadata<'a>,
    pub import_ap: ImportAp,
    pub results: Vec<AssessmentResult<'a>>,
    pub back_matter: BackMatter<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Metadata<'a> {
    pub title: String,
    pub last_modified: String,
    pub version: &'a str,
    pub oscal_version: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link<'a>>,
}

/// A name/value property. `ns` is Palisade's namespace for names OSCAL
/// does not define.
#[derive(Serialize)]
pub struct Prop<'a> {
    pub name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ns: Option<&'static str>,
    pub value: Cow<'a, str>,
}

#[derive(Serialize)]
pub struct Link<'a> {
    pub href: Cow<'a, str>,
    pub rel: &'static str,
}

#[derive(Serialize)]
pub struct ImportAp {
    pub href: String,
    pub remarks: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct AssessmentResult<'a> {
    pub uuid: String,
    pub title: String,
    pub description: String,
    pub start: String,
    pub end: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_definitions: Option<LocalDefinitions<'a>>,
    pub reviewed_controls: ReviewedControls,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub observations: Vec<Observation<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding<'a>>,
    pub remarks: String,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct LocalDefinitions<'a> {
    pub inventory_items: Vec<InventoryItem<'a>>,
}

#[derive(Serialize)]
pub struct InventoryItem<'a> {
    pub uuid: String,
    /// The resource id, exactly.
    pub description: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop<'a>>,
    /// Name, account and region, exactly (free text: no pattern applies).
    pub remarks: String,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ReviewedControls {
    pub control_selections: Vec<ControlSelection>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ControlSelection {
    pub description: &'static str,
    pub include_controls: Vec<SelectControl>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct SelectControl {
    pub control_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Observation<'a> {
    pub uuid: String,
    pub title: &'a str,
    pub description: String,
    pub props: Vec<Prop<'a>>,
    pub methods: [&'static str; 1],
    pub subjects: [Subject<'a>; 1],
    pub relevant_evidence: [Evidence; 1],
    pub collected: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Subject<'a> {
    pub subject_uuid: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The resource id, exactly.
    pub title: &'a str,
}

#[derive(Serialize)]
pub struct Evidence {
    pub href: &'static str,
    pub description: String,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Finding<'a> {
    pub uuid: String,
    pub title: String,
    pub description: String,
    pub props: Vec<Prop<'a>>,
    pub target: Target<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related_observations: Vec<RelatedObservation>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Target<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub target_id: String,
    pub title: &'a str,
    pub props: Vec<Prop<'a>>,
    pub status: ObjectiveStatus,
}

#[derive(Serialize)]
pub struct ObjectiveStatus {
    pub state: &'static str,
    pub reason: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct RelatedObservation {
    pub observation_uuid: String,
}

#[derive(Serialize)]
pub struct BackMatter<'a> {
    pub resources: Vec<Resource<'a>>,
}

#[derive(Serialize)]
pub struct Resource<'a> {
    pub uuid: String,
    pub title: &'static str,
    pub description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rlinks: Vec<Rlink>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Rlink {
    pub href: &'static str,
    pub media_type: &'static str,
}
