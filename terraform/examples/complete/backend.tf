# State lives in a GCS bucket chosen at init time:
#   terraform init -backend-config=bucket=<state bucket> -backend-config=prefix=prescaler
# The state holds the Redis AUTH string: keep the bucket private and versioned.
terraform {
  backend "gcs" {}
}
