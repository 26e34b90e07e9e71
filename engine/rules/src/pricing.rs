//! The dated price table behind the cost pack's estimates
//! (`rules/pricing/prices.toml`): list prices per unit, with their date,
//! currency, region and source, and the pricing of one finding from a rule's
//! [`CostModel`](crate::metadata::CostModel).

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{parse_toml, RulesError};
use crate::metadata::{line_of_key, CostModel};

/// The price table.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceTable {
    /// Date the prices were read (YYYY-MM-DD); every estimate carries it.
    pub as_of: String,
    /// ISO currency code.
    pub currency: String,
    /// Region whose list prices these are.
    pub region: String,
    /// Price key (e.g. `wafv2.web_acl`) -> price.
    pub prices: BTreeMap<String, Price>,
}

/// One unit price.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    /// Price of one unit per month.
    pub amount: f64,
    /// What one unit is, e.g. "web ACL-month", "GB-month".
    pub unit: String,
    /// Where the price comes from.
    pub source: String,
}

/// What a finding costs per month, as priced by its rule's cost model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostEstimate {
    /// Monthly amount; `None` when a quantity is not in the snapshot (the
    /// estimate is then a rate, see `detail`).
    pub monthly: Option<f64>,
    /// Currency of `monthly`.
    pub currency: String,
    /// How the amount was reached, e.g. "1 web ACL-month x 5.00 + 3 rule-month x 1.00".
    pub detail: String,
    /// What the amount means (from the rule's cost model).
    pub basis: String,
    /// Date of the prices used.
    pub prices_as_of: String,
}

impl PriceTable {
    /// Parses and checks the price table.
    pub fn parse(path: &Path, text: &str) -> Result<Self, RulesError> {
        let table: PriceTable = parse_toml(path, text)?;
        if chrono::NaiveDate::parse_from_str(&table.as_of, "%Y-%m-%d").is_err() {
            return Err(RulesError::at(
                path,
                line_of_key(text, "as_of"),
                format!("`as_of` {:?} is not a date (YYYY-MM-DD)", table.as_of),
            ));
        }
        for (key, p) in &table.prices {
            if !p.amount.is_finite() || p.amount < 0.0 {
                let header = [format!("[prices.\"{key}\"]"), format!("[prices.{key}]")];
                let table_line = text
                    .lines()
                    .position(|l| header.iter().any(|h| l.trim() == h))
                    .map_or(0, |i| i + 1);
                return Err(RulesError::at(
                    path,
                    table_line,
                    format!("price {key:?} has a negative or non-finite amount"),
                ));
            }
        }
        Ok(table)
    }

    /// Loads `path`.
    pub fn load(path: &Path) -> Result<Self, RulesError> {
        let text = std::fs::read_to_string(path).map_err(|source| RulesError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(path, &text)
    }

    /// Price keys a cost model names that the table lacks.
    pub fn missing<'a>(&self, model: &'a CostModel) -> Vec<&'a str> {
        model
            .terms
            .iter()
            .flat_map(|t| std::iter::once(t.price.as_str()).chain(t.minus.as_deref()))
            .filter(|k| !self.prices.contains_key(*k))
            .collect()
    }

    /// Prices one finding. `attribute` looks up a `Long` attribute of the
    /// finding's resource (for terms whose quantity is an attribute).
    pub fn estimate(
        &self,
        model: &CostModel,
        attribute: impl Fn(&str) -> Option<i64>,
    ) -> CostEstimate {
        let mut total = Some(0.0);
        let mut parts = Vec::new();
        for term in &model.terms {
            let unit = self.prices.get(&term.price);
            let minus = term.minus.as_ref().and_then(|k| self.prices.get(k));
            let amount = unit.map_or(0.0, |p| p.amount) - minus.map_or(0.0, |p| p.amount);
            let unit_name = unit.map_or(term.price.as_str(), |p| p.unit.as_str());
            let quantity = match (&term.quantity, &term.attribute) {
                (Some(q), _) => Some(*q),
                (None, Some(a)) => attribute(a).map(|v| v as f64),
                (None, None) => None,
            };
            let price = match (unit, minus) {
                (Some(u), Some(m)) => format!("({:.4} - {:.4})", u.amount, m.amount),
                _ => format!("{amount:.4}"),
            };
            match quantity {
                Some(q) => {
                    parts.push(format!("{q} {unit_name} x {price}"));
                    total = total.map(|t| t + q * amount);
                }
                None => {
                    parts.push(format!(
                        "{price} {} per {unit_name} (quantity not collected)",
                        self.currency
                    ));
                    total = None;
                }
            }
        }
        CostEstimate {
            monthly: total.map(|t| (t * 100.0).round() / 100.0),
            currency: self.currency.clone(),
            detail: parts.join(" + "),
            basis: model.basis.clone(),
            prices_as_of: self.as_of.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::metadata::CostTerm;

    fn table() -> PriceTable {
        PriceTable::parse(
            Path::new("prices.toml"),
            r#"
as_of = "2026-11-01"
currency = "USD"
region = "us-east-1"
[prices."wafv2.web_acl"]
amount = 5.0
unit = "web ACL-month"
source = "https://aws.amazon.com/waf/pricing/"
[prices."wafv2.rule"]
amount = 1.0
unit = "rule-month"
source = "https://aws.amazon.com/waf/pricing/"
[prices."backup.warm"]
amount = 0.05
unit = "GB-month"
source = "x"
[prices."backup.cold"]
amount = 0.01
unit = "GB-month"
source = "x"
"#,
        )
        .expect("valid table")
    }

    fn term(price: &str, quantity: Option<f64>, attribute: Option<&str>) -> CostTerm {
        CostTerm {
            price: price.into(),
            minus: None,
            quantity,
            attribute: attribute.map(Into::into),
        }
    }

    #[test]
    fn sums_constant_and_attribute_terms() {
        let model = CostModel {
            terms: vec![
                term("wafv2.web_acl", Some(1.0), None),
                term("wafv2.rule", None, Some("rule_count")),
            ],
            basis: "saved by deleting".into(),
        };
        let e = table().estimate(&model, |a| (a == "rule_count").then_some(3));
        assert_eq!(e.monthly, Some(8.0));
        assert_eq!(e.prices_as_of, "2026-11-01");
        assert!(e.detail.contains("3 rule-month"), "{}", e.detail);
    }

    #[test]
    fn unknown_quantity_is_a_rate_not_a_total() {
        let mut t = term("backup.warm", None, None);
        t.minus = Some("backup.cold".into());
        let model = CostModel {
            terms: vec![t],
            basis: "per GB kept warm".into(),
        };
        let e = table().estimate(&model, |_| None);
        assert_eq!(e.monthly, None);
        assert!(
            e.detail.contains("(0.0500 - 0.0100) USD per GB-month"),
            "{}",
            e.detail
        );
        // A missing attribute is unknown too, never zero.
        let model = CostModel {
            terms: vec![term("wafv2.rule", None, Some("rule_count"))],
            basis: String::new(),
        };
        assert_eq!(table().estimate(&model, |_| None).monthly, None);
    }

    #[test]
    fn bad_table_names_line() {
        let err = PriceTable::parse(
            Path::new("p.toml"),
            "as_of = \"Nov 2026\"\ncurrency = \"USD\"\nregion = \"x\"\n[prices]\n",
        )
        .expect_err("bad date");
        assert!(err.to_string().starts_with("p.toml:1:"), "{err}");
    }
}
