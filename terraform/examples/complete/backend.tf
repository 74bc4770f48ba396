# State lives in a GCS bucket chosen at init time:
#   terraform init -backend-config=bucket=<state bucket> -backend-config=prefix=prescaler
# The state holds the Redis AUTH string: keep the bucket private and versioned.
# Terraform and provider versions are the module's (../../versions.tf): `terraform init` applies
# the constraints of every module, so the root does not repeat them.
terraform {
  backend "gcs" {}
}
