//! Tests of the Terraform plan importer.
