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
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

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

/* The parts aws_creds_load() is made of, on data already read (for the
 * tests and the fuzz harness). A shared credentials file open as f (path
 * only names it in messages), section [profile] exactly: 1 found, 0 no
 * such section (when !required), -1 with *err. */
int aws_creds_profile(struct aws_creds *c, FILE *f, const char *path, const char *profile, bool required,
                      const char **err);
/* The IMDSv2 session token answer: one word that fits a header. */
bool aws_creds_imds_token(const char *body, size_t len);
/* The instance metadata's role list: its first line into role when it is
 * a name fit for the next URL path. */
bool aws_creds_imds_role(const char *body, size_t len, char *role, size_t size);
/* The role's credentials answer (JSON): NULL, or a reason. */
const char *aws_creds_imds_json(struct aws_creds *c, const char *body, size_t len, const char *role);

#endif
