//! Snapshot objects in S3 (`palisade_collect::s3io`) against moto's S3
//! through the real SDK: single and multipart uploads read back byte for
//! byte, prefix listings and downloads, and failed uploads that leave no
//! object and no pending multipart upload behind.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use aws_config::{BehaviorVersion, Region};
use aws_sdk_s3::config::Credentials;
use common::{moto, options, Faults, Proxy};
use palisade_collect::s3io::{S3Io, S3IoError, PART_SIZE};

/// A plain SDK client on moto, to set up buckets and look behind S3Io.
fn raw(url: &str) -> (tokio::runtime::Runtime, aws_sdk_s3::Client) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let conf = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(url)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
        .force_path_style(true)
        .build();
    (rt, aws_sdk_s3::Client::from_conf(conf))
}

fn bucket(url: &str, name: &str) -> (tokio::runtime::Runtime, aws_sdk_s3::Client) {
    let (rt, c) = raw(url);
    rt.block_on(c.create_bucket().bucket(name).send()).unwrap();
    (rt, c)
}

/// Bytes that differ at every offset modulo a large prime, so a part in the
/// wrong place shows.
fn body(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

fn keys(rt: &tokio::runtime::Runtime, c: &aws_sdk_s3::Client, b: &str) -> Vec<String> {
    let out = rt.block_on(c.list_objects_v2().bucket(b).send()).unwrap();
    out.contents()
        .iter()
        .filter_map(|o| o.key().map(str::to_owned))
        .collect()
}

fn pending_uploads(rt: &tokio::runtime::Runtime, c: &aws_sdk_s3::Client, b: &str) -> usize {
    let out = rt
        .block_on(c.list_multipart_uploads().bucket(b).send())
        .unwrap();
    out.uploads().len()
}

#[test]
fn small_and_multipart_uploads_read_back_whole() {
    let url = &moto().url;
    let (rt, c) = bucket(url, "s3io-roundtrip");
    // moto answers CompleteMultipartUpload with a root element AWS does not
    // use (`...Response`); the proxy gives the SDK AWS's wire format
    // (`CompleteMultipartUploadResult`), as real S3 sends it.
    let proxy = Proxy::start(
        url,
        Faults {
            rewrite: vec![(
                "CompleteMultipartUploadResponse".to_owned(),
                "CompleteMultipartUploadResult".to_owned(),
            )],
            ..Default::default()
        },
    );
    let s3 = S3Io::new(&options(&proxy.url)).unwrap();
    let small = body(1000);
    let large = body(2 * PART_SIZE + 12345);
    s3.upload("s3://s3io-roundtrip/run/shard-0000-of-0002.json", &small)
        .unwrap();
    s3.upload("s3://s3io-roundtrip/run/shard-0001-of-0002.json", &large)
        .unwrap();
    s3.upload("s3://s3io-roundtrip/run/notes.txt", b"x")
        .unwrap();
    s3.upload("s3://s3io-roundtrip/run/deeper/other.json", b"{}")
        .unwrap();
    assert_eq!(pending_uploads(&rt, &c, "s3io-roundtrip"), 0);

    // Only the *.json objects directly under the prefix, in key order.
    let listed = s3.list("s3://s3io-roundtrip/run/").unwrap();
    assert_eq!(
        listed,
        [
            "s3://s3io-roundtrip/run/shard-0000-of-0002.json",
            "s3://s3io-roundtrip/run/shard-0001-of-0002.json"
        ]
    );
    assert_eq!(s3.list("s3://s3io-roundtrip/run").unwrap(), listed);

    let dir = tempfile::tempdir().unwrap();
    let files = s3
        .download_to("s3://s3io-roundtrip/run/", dir.path())
        .unwrap();
    assert_eq!(
        files,
        [
            dir.path().join("shard-0000-of-0002.json"),
            dir.path().join("shard-0001-of-0002.json")
        ]
    );
    assert_eq!(std::fs::read(&files[0]).unwrap(), small);
    assert!(
        std::fs::read(&files[1]).unwrap() == large,
        "multipart body differs"
    );
    // No temporary file is left beside them.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);

    // One object by its key; a prefix given without its slash.
    let one = tempfile::tempdir().unwrap();
    let files = s3
        .download_to(
            "s3://s3io-roundtrip/run/shard-0001-of-0002.json",
            one.path(),
        )
        .unwrap();
    assert_eq!(files, [one.path().join("shard-0001-of-0002.json")]);
    let again = tempfile::tempdir().unwrap();
    assert_eq!(
        s3.download_to("s3://s3io-roundtrip/run", again.path())
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn a_failed_upload_leaves_no_object() {
    let url = &moto().url;
    let (rt, c) = bucket(url, "s3io-failures");
    let s3 = S3Io::new(&options(url)).unwrap();

    // No such bucket: single and multipart.
    for len in [10, PART_SIZE + 1] {
        let err = s3
            .upload("s3://s3io-no-such-bucket/x.json", &body(len))
            .unwrap_err();
        assert!(err.to_string().contains("NoSuchBucket"), "{err}");
        assert!(
            err.to_string().contains("s3://s3io-no-such-bucket/x.json"),
            "{err}"
        );
    }

    // Parts under S3's 5 MiB minimum are refused only when the upload is
    // completed: every part was sent, and still no object appears and the
    // upload is aborted.
    let small_parts = S3Io::new(&options(url))
        .unwrap()
        .with_part_size(1024 * 1024);
    let err = small_parts
        .upload("s3://s3io-failures/big.json", &body(3 * 1024 * 1024))
        .unwrap_err();
    assert!(err.to_string().contains("CompleteMultipartUpload"), "{err}");
    assert_eq!(keys(&rt, &c, "s3io-failures"), Vec::<String>::new());
    assert_eq!(
        pending_uploads(&rt, &c, "s3io-failures"),
        0,
        "the upload was not aborted"
    );

    // A failed replacement keeps the previous object as it was.
    s3.upload("s3://s3io-failures/keep.json", b"old").unwrap();
    small_parts
        .upload("s3://s3io-failures/keep.json", &body(3 * 1024 * 1024))
        .unwrap_err();
    let dir = tempfile::tempdir().unwrap();
    let files = s3
        .download_to("s3://s3io-failures/keep.json", dir.path())
        .unwrap();
    assert_eq!(std::fs::read(&files[0]).unwrap(), b"old");

    // Nothing to read, and a prefix as the object of an upload.
    let err = s3
        .download_to("s3://s3io-failures/nothing/", dir.path())
        .unwrap_err();
    assert!(matches!(err, S3IoError::NotFound(_)), "{err}");
    let err = s3.upload("s3://s3io-failures/dir/", b"{}").unwrap_err();
    assert!(matches!(err, S3IoError::Uri(_)), "{err}");
}
