/* AWS credentials, found where the AWS SDKs look, in their order:
 *   1. the environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and,
 *      for temporary credentials, AWS_SESSION_TOKEN;
 *   2. the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, else
 *      ~/.aws/credentials), section [PROFILE] (AWS_PROFILE, else default):
 *      aws_access_key_id, aws_secret_access_key, aws_session_token;
 *   3. the role of the EC2 instance, through the instance metadata
 *      service with IMDSv2 session tokens (AWS_EC2_METADATA_SERVICE_ENDPOINT
 *      replaces http://169.254.169.254; AWS_EC2_METADATA_DISABLED=true
 *      skips it).
 * A profile named by the caller (--profile) means the file and nothing else. */
#ifndef MAMORI_AWS_CREDS_H
#define MAMORI_AWS_CREDS_H

struct aws_creds {
	char access_key[130];
	char secret_key[130];
	char *token;                /* session token, or NULL */
	char source[200];           /* where they came from, for -v and errors */
};

/* profile: NULL, or the --profile value. timeout: seconds the metadata
 * service may take in all. NULL on success, else a reason. */
const char *aws_creds_load(struct aws_creds *c, const char *profile, double timeout);
void aws_creds_free(struct aws_creds *c);

#endif
