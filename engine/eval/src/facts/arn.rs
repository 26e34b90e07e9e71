//! ARN and principal facts: the account named by a principal, the region
//! and account of an ARN, and the external accounts a trust statement names.

/// The account id in an ARN or a bare 12-digit id.
pub fn account_of_principal(p: &str) -> Option<&str> {
    if p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit()) {
        return Some(p);
    }
    let id = p.split(':').nth(4)?;
    (id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())).then_some(id)
}

/// Region and account fields of an ARN.
pub fn arn_region_account(arn: &str) -> (Option<&str>, Option<&str>) {
    let mut parts = arn.split(':');
    let region = parts.nth(3);
    let account = parts.next();
    (region, account)
}

/// 12-digit account ids named by AWS principals, other than `owner`,
/// sorted and deduplicated.
pub fn external_accounts<'a>(aws_principals: &[&'a str], owner: &str) -> Vec<&'a str> {
    let mut external: Vec<&str> = aws_principals
        .iter()
        .copied()
        .filter_map(account_of_principal)
        .filter(|acct| *acct != owner)
        .collect();
    external.sort_unstable();
    external.dedup();
    external
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principal_accounts() {
        assert_eq!(
            account_of_principal("arn:aws:iam::222222222222:root"),
            Some("222222222222")
        );
        assert_eq!(account_of_principal("222222222222"), Some("222222222222"));
        assert_eq!(account_of_principal("*"), None);
        assert_eq!(account_of_principal("arn:aws:iam::aws:policy/x"), None);
    }

    #[test]
    fn arn_fields() {
        assert_eq!(
            arn_region_account("arn:aws:backup:eu-west-1:111111111111:backup-vault:v"),
            (Some("eu-west-1"), Some("111111111111"))
        );
        assert_eq!(arn_region_account("nonsense"), (None, None));
    }

    #[test]
    fn external_accounts_exclude_the_owner() {
        let aws = [
            "arn:aws:iam::222222222222:root",
            "111111111111",
            "222222222222",
            "*",
        ];
        assert_eq!(
            external_accounts(&aws, "111111111111"),
            vec!["222222222222"]
        );
    }
}
