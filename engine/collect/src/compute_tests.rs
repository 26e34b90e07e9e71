//! Recorded DescribeInstances and DescribeLaunchTemplateVersions answers
//! (EC2 query protocol, XML): terminated instances are left out, the
//! primary interface comes first, a version listing read in part leaves
//! the template's versions unknown.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::replay::{bodies, config, event, scope};

const EC2: &str = "https://ec2.eu-west-1.amazonaws.com/";
const NS: &str = "http://ec2.amazonaws.com/doc/2016-11-15/";
const DENIED: &str = r#"<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>no</Message></Error></Errors></Response>"#;

fn instances_page() -> String {
    format!(
        r#"<DescribeInstancesResponse xmlns="{NS}"><requestId>1</requestId><reservationSet><item><reservationId>r-1</reservationId><ownerId>111111111111</ownerId><instancesSet><item><instanceId>i-gone</instanceId><instanceState><code>48</code><name>terminated</name></instanceState></item><item><instanceId>i-1</instanceId><imageId>ami-1</imageId><instanceState><code>16</code><name>running</name></instanceState><instanceType>m5.large</instanceType><launchTime>2024-05-01T10:00:00.000Z</launchTime><subnetId>subnet-1</subnetId><vpcId>vpc-1</vpcId><privateIpAddress>10.0.0.5</privateIpAddress><ipAddress>203.0.113.5</ipAddress><groupSet><item><groupId>sg-1</groupId><groupName>a</groupName></item></groupSet><iamInstanceProfile><arn>arn:aws:iam::111111111111:instance-profile/web</arn><id>AIPA</id></iamInstanceProfile><networkInterfaceSet><item><networkInterfaceId>eni-2</networkInterfaceId><attachment><deviceIndex>1</deviceIndex></attachment><groupSet><item><groupId>sg-2</groupId></item></groupSet><ipv6AddressesSet><item><ipv6Address>2001:db8::2</ipv6Address></item></ipv6AddressesSet></item><item><networkInterfaceId>eni-1</networkInterfaceId><attachment><deviceIndex>0</deviceIndex></attachment><groupSet><item><groupId>sg-1</groupId></item></groupSet><ipv6AddressesSet><item><ipv6Address>2001:db8::1</ipv6Address></item></ipv6AddressesSet></item></networkInterfaceSet><metadataOptions><state>applied</state><httpTokens>optional</httpTokens><httpPutResponseHopLimit>2</httpPutResponseHopLimit><httpEndpoint>enabled</httpEndpoint></metadataOptions><tagSet><item><key>aws:autoscaling:groupName</key><value>web-asg</value></item></tagSet></item></instancesSet></item></reservationSet></DescribeInstancesResponse>"#
    )
}

#[tokio::test]
async fn instances_keep_every_interface_primary_first_and_skip_terminated() {
    let (conf, _http) = config(vec![event("POST", EC2, 200, &instances_page())]);
    let client = Client::new(&conf);
    let (scope, _) = scope();
    let out = client.describe_instances().send().await.unwrap();
    let got: Vec<Instance> = out
        .reservations()
        .iter()
        .flat_map(|r| r.instances())
        .filter_map(|i| instance(&scope, i))
        .collect();
    assert_eq!(got.len(), 1, "the terminated instance is left out");
    let i = &got[0];
    assert_eq!(i.arn, "arn:aws:ec2:eu-west-1:111111111111:instance/i-1");
    assert_eq!(i.network_interface_ids, ["eni-1", "eni-2"]);
    assert_eq!(i.ipv6_addresses, ["2001:db8::1", "2001:db8::2"]);
    assert_eq!(i.security_group_ids, ["sg-1", "sg-2"]);
    assert_eq!(i.public_ip.as_deref(), Some("203.0.113.5"));
    assert_eq!(i.auto_scaling_group.as_deref(), Some("web-asg"));
    let m = i.metadata_options.as_ref().unwrap();
    assert_eq!(
        (m.http_tokens.as_deref(), m.http_put_response_hop_limit),
        (Some("optional"), Some(2))
    );
    assert_eq!(
        i.launch_time.map(|t| t.to_rfc3339()).as_deref(),
        Some("2024-05-01T10:00:00+00:00")
    );
}

fn versions_page(n: i64, default: bool, next: Option<&str>) -> String {
    let next = next.map_or(String::new(), |t| format!("<nextToken>{t}</nextToken>"));
    format!(
        r#"<DescribeLaunchTemplateVersionsResponse xmlns="{NS}"><requestId>1</requestId><launchTemplateVersionSet><item><launchTemplateId>lt-1</launchTemplateId><versionNumber>{n}</versionNumber><defaultVersion>{default}</defaultVersion><launchTemplateData><instanceType>t3.micro</instanceType><iamInstanceProfile><arn>arn:aws:iam::111111111111:instance-profile/web</arn></iamInstanceProfile><metadataOptions><httpTokens>optional</httpTokens></metadataOptions><networkInterfaceSet><item><deviceIndex>0</deviceIndex><associatePublicIpAddress>true</associatePublicIpAddress></item></networkInterfaceSet></launchTemplateData></item></launchTemplateVersionSet>{next}</DescribeLaunchTemplateVersionsResponse>"#
    )
}

#[tokio::test]
async fn default_and_latest_versions_are_read_from_every_page() {
    let (conf, http) = config(vec![
        event("POST", EC2, 200, &versions_page(1, true, Some("t2"))),
        event("POST", EC2, 200, &versions_page(3, false, None)),
    ]);
    let client = Client::new(&conf);
    let (scope, coverage) = scope();
    let v = versions(&client, &scope, "lt-1").await.expect("read");
    assert_eq!(http.actual_requests().count(), 2);
    let body = &bodies(&http)[0];
    assert!(
        body.contains("LaunchTemplateVersion.1=%24Default"),
        "{body}"
    );
    assert!(body.contains("LaunchTemplateVersion.2=%24Latest"), "{body}");
    assert_eq!(
        v.iter().map(|v| v.version_number).collect::<Vec<_>>(),
        [1, 3]
    );
    assert!(v[0].default_version && !v[1].default_version);
    assert_eq!(
        v[0].network_interfaces[0].associate_public_ip_address,
        Some(true)
    );
    assert_eq!(
        v[0].iam_instance_profile.as_deref(),
        Some("arn:aws:iam::111111111111:instance-profile/web")
    );
    assert!(coverage.records().iter().all(|r| !r.is_gap()));
}

#[tokio::test]
async fn versions_read_in_part_are_unknown_and_a_gap() {
    let (conf, _http) = config(vec![
        event("POST", EC2, 200, &versions_page(1, true, Some("t2"))),
        event("POST", EC2, 403, DENIED),
    ]);
    let client = Client::new(&conf);
    let (scope, coverage) = scope();
    assert_eq!(versions(&client, &scope, "lt-1").await, None);
    let gaps = coverage.gap_apis();
    assert_eq!(gaps, ["DescribeLaunchTemplateVersions"]);
}

#[tokio::test]
async fn denied_listings_are_unknown_never_empty() {
    let (conf, _http) = config(vec![
        event("POST", EC2, 403, DENIED),
        event("POST", EC2, 403, DENIED),
    ]);
    let client = Client::new(&conf);
    let (scope, coverage) = scope();
    assert_eq!(collect(&client, &scope).await, (None, None));
    // Records come sorted by service, region and API.
    let gaps = coverage.gap_apis();
    assert_eq!(gaps, ["DescribeInstances", "DescribeLaunchTemplates"]);
}
