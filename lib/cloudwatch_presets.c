/* The presets: one row per check people commonly set up on a managed AWS
 * service. Names, dimensions and units follow AWS's metric references
 * (RDS and Aurora user guides, ELB, ElastiCache, CloudFront, EC2,
 * DynamoDB, OpenSearch, Lambda, API Gateway, ECS, EC2 Auto Scaling). The
 * statistic is the one a threshold on "the latest period" means: a sum
 * for event counts, the minimum for space left, the maximum for lag and
 * unhealthy hosts, the average for utilisation and latency. Adding a
 * preset is adding a row. */
#include "cloudwatch_presets.h"

#include <string.h>

#define P(name, svc, ns, metric, d1, d2, d3, stat, unit, what) \
	{ name, svc, ns, metric, { d1, d2, d3 }, stat, unit, what }

static const struct cw_preset presets[] = {
	/* Amazon RDS, per DB instance */
	P("rds-cpu", "RDS", "AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", NULL, NULL, "Average", "Percent",
	  "CPU use of a DB instance"),
	P("rds-free-storage", "RDS", "AWS/RDS", "FreeStorageSpace", "DBInstanceIdentifier", NULL, NULL, "Minimum", "Bytes",
	  "storage space left"),
	P("rds-freeable-memory", "RDS", "AWS/RDS", "FreeableMemory", "DBInstanceIdentifier", NULL, NULL, "Minimum", "Bytes",
	  "memory available"),
	P("rds-connections", "RDS", "AWS/RDS", "DatabaseConnections", "DBInstanceIdentifier", NULL, NULL, "Maximum", "Count",
	  "client connections"),
	P("rds-replica-lag", "RDS", "AWS/RDS", "ReplicaLag", "DBInstanceIdentifier", NULL, NULL, "Maximum", "Seconds",
	  "read replica lag behind the source"),
	P("rds-read-latency", "RDS", "AWS/RDS", "ReadLatency", "DBInstanceIdentifier", NULL, NULL, "Average", "Seconds",
	  "average time of a disk read"),
	P("rds-write-latency", "RDS", "AWS/RDS", "WriteLatency", "DBInstanceIdentifier", NULL, NULL, "Average", "Seconds",
	  "average time of a disk write"),
	/* Amazon Aurora, per DB cluster */
	P("aurora-cpu", "Aurora", "AWS/RDS", "CPUUtilization", "DBClusterIdentifier", NULL, NULL, "Maximum", "Percent",
	  "CPU use, busiest instance of the cluster"),
	P("aurora-replica-lag", "Aurora", "AWS/RDS", "AuroraReplicaLagMaximum", "DBClusterIdentifier", NULL, NULL, "Maximum",
	  "Milliseconds", "largest lag of an Aurora replica behind the writer"),
	P("aurora-volume-used", "Aurora", "AWS/RDS", "VolumeBytesUsed", "DBClusterIdentifier", NULL, NULL, "Maximum", "Bytes",
	  "storage used by the cluster volume"),
	P("aurora-serverless-capacity", "Aurora", "AWS/RDS", "ServerlessDatabaseCapacity", "DBClusterIdentifier", NULL, NULL,
	  "Average", "Count", "Aurora Serverless capacity units in use"),
	/* Application Load Balancer */
	P("alb-5xx", "ALB", "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "LoadBalancer", NULL, NULL, "Sum", "Count",
	  "5XX answers made by the load balancer itself"),
	P("alb-target-5xx", "ALB", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", NULL, NULL, "Sum",
	  "Count", "5XX answers from the targets"),
	P("alb-response-time", "ALB", "AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", NULL, NULL, "Average",
	  "Seconds", "time the targets take to answer"),
	P("alb-unhealthy-hosts", "ALB", "AWS/ApplicationELB", "UnHealthyHostCount", "TargetGroup", "LoadBalancer", NULL,
	  "Maximum", "Count", "unhealthy targets of a target group"),
	P("alb-requests", "ALB", "AWS/ApplicationELB", "RequestCount", "LoadBalancer", NULL, NULL, "Sum", "Count",
	  "requests served"),
	P("alb-rejected-connections", "ALB", "AWS/ApplicationELB", "RejectedConnectionCount", "LoadBalancer", NULL, NULL,
	  "Sum", "Count", "connections refused at the connection limit"),
	/* Classic Load Balancer */
	P("elb-latency", "ELB", "AWS/ELB", "Latency", "LoadBalancerName", NULL, NULL, "Average", "Seconds",
	  "time the back ends take to answer"),
	P("elb-backend-5xx", "ELB", "AWS/ELB", "HTTPCode_Backend_5XX", "LoadBalancerName", NULL, NULL, "Sum", "Count",
	  "5XX answers from the back ends"),
	P("elb-5xx", "ELB", "AWS/ELB", "HTTPCode_ELB_5XX", "LoadBalancerName", NULL, NULL, "Sum", "Count",
	  "5XX answers made by the load balancer itself"),
	P("elb-unhealthy-hosts", "ELB", "AWS/ELB", "UnHealthyHostCount", "LoadBalancerName", NULL, NULL, "Maximum", "Count",
	  "unhealthy back-end instances"),
	P("elb-surge-queue", "ELB", "AWS/ELB", "SurgeQueueLength", "LoadBalancerName", NULL, NULL, "Maximum", "Count",
	  "requests waiting for a back end"),
	P("elb-spillover", "ELB", "AWS/ELB", "SpilloverCount", "LoadBalancerName", NULL, NULL, "Sum", "Count",
	  "requests rejected because the surge queue was full"),
	/* Network Load Balancer */
	P("nlb-unhealthy-hosts", "NLB", "AWS/NetworkELB", "UnHealthyHostCount", "TargetGroup", "LoadBalancer", NULL,
	  "Maximum", "Count", "unhealthy targets of a target group"),
	P("nlb-healthy-hosts", "NLB", "AWS/NetworkELB", "HealthyHostCount", "TargetGroup", "LoadBalancer", NULL, "Minimum",
	  "Count", "healthy targets of a target group"),
	P("nlb-active-flows", "NLB", "AWS/NetworkELB", "ActiveFlowCount", "LoadBalancer", NULL, NULL, "Average", "Count",
	  "concurrent flows"),
	P("nlb-target-resets", "NLB", "AWS/NetworkELB", "TCP_Target_Reset_Count", "LoadBalancer", NULL, NULL, "Sum", "Count",
	  "TCP resets sent by the targets"),
	/* ElastiCache, per cluster (Redis OSS, Valkey, Memcached) */
	P("elasticache-cpu", "ElastiCache", "AWS/ElastiCache", "CPUUtilization", "CacheClusterId", NULL, NULL, "Average",
	  "Percent", "CPU use of the host"),
	P("elasticache-engine-cpu", "ElastiCache", "AWS/ElastiCache", "EngineCPUUtilization", "CacheClusterId", NULL, NULL,
	  "Average", "Percent", "CPU use of the Redis OSS/Valkey engine thread"),
	P("elasticache-memory", "ElastiCache", "AWS/ElastiCache", "DatabaseMemoryUsagePercentage", "CacheClusterId", NULL,
	  NULL, "Average", "Percent", "memory used of what the engine may use"),
	P("elasticache-evictions", "ElastiCache", "AWS/ElastiCache", "Evictions", "CacheClusterId", NULL, NULL, "Sum",
	  "Count", "keys evicted for lack of memory"),
	P("elasticache-connections", "ElastiCache", "AWS/ElastiCache", "CurrConnections", "CacheClusterId", NULL, NULL,
	  "Maximum", "Count", "client connections"),
	P("elasticache-swap", "ElastiCache", "AWS/ElastiCache", "SwapUsage", "CacheClusterId", NULL, NULL, "Maximum", "Bytes",
	  "swap used on the host"),
	/* CloudFront: global, its metrics live in us-east-1 */
	P("cloudfront-5xx", "CloudFront", "AWS/CloudFront", "5xxErrorRate", "DistributionId", "Region=Global", NULL,
	  "Average", "Percent", "share of requests answered 5xx (query us-east-1)"),
	P("cloudfront-4xx", "CloudFront", "AWS/CloudFront", "4xxErrorRate", "DistributionId", "Region=Global", NULL,
	  "Average", "Percent", "share of requests answered 4xx (query us-east-1)"),
	P("cloudfront-errors", "CloudFront", "AWS/CloudFront", "TotalErrorRate", "DistributionId", "Region=Global", NULL,
	  "Average", "Percent", "share of requests answered 4xx or 5xx (query us-east-1)"),
	P("cloudfront-requests", "CloudFront", "AWS/CloudFront", "Requests", "DistributionId", "Region=Global", NULL, "Sum",
	  "None", "viewer requests (query us-east-1)"),
	/* EC2, per instance */
	P("ec2-cpu", "EC2", "AWS/EC2", "CPUUtilization", "InstanceId", NULL, NULL, "Average", "Percent",
	  "CPU use of an instance"),
	P("ec2-status-check", "EC2", "AWS/EC2", "StatusCheckFailed", "InstanceId", NULL, NULL, "Maximum", "Count",
	  "1 when an instance or system status check failed"),
	P("ec2-status-check-system", "EC2", "AWS/EC2", "StatusCheckFailed_System", "InstanceId", NULL, NULL, "Maximum",
	  "Count", "1 when the system (host) status check failed"),
	P("ec2-status-check-instance", "EC2", "AWS/EC2", "StatusCheckFailed_Instance", "InstanceId", NULL, NULL, "Maximum",
	  "Count", "1 when the instance status check failed"),
	P("ec2-cpu-credits", "EC2", "AWS/EC2", "CPUCreditBalance", "InstanceId", NULL, NULL, "Minimum", "None",
	  "CPU credits left on a burstable instance"),
	/* DynamoDB, per table */
	P("dynamodb-read-throttles", "DynamoDB", "AWS/DynamoDB", "ReadThrottleEvents", "TableName", NULL, NULL, "Sum", "Count",
	  "reads throttled"),
	P("dynamodb-write-throttles", "DynamoDB", "AWS/DynamoDB", "WriteThrottleEvents", "TableName", NULL, NULL, "Sum",
	  "Count", "writes throttled"),
	P("dynamodb-consumed-read", "DynamoDB", "AWS/DynamoDB", "ConsumedReadCapacityUnits", "TableName", NULL, NULL, "Sum",
	  "Count", "read capacity units consumed"),
	P("dynamodb-consumed-write", "DynamoDB", "AWS/DynamoDB", "ConsumedWriteCapacityUnits", "TableName", NULL, NULL, "Sum",
	  "Count", "write capacity units consumed"),
	P("dynamodb-latency", "DynamoDB", "AWS/DynamoDB", "SuccessfulRequestLatency", "TableName", "Operation", NULL,
	  "Average", "Milliseconds", "latency of successful requests of one operation (GetItem, Query ...)"),
	P("dynamodb-system-errors", "DynamoDB", "AWS/DynamoDB", "SystemErrors", "TableName", "Operation", NULL, "Sum",
	  "Count", "requests that failed with an HTTP 500"),
	/* OpenSearch Service (and Elasticsearch Service): namespace AWS/ES,
	 * ClientId is the account ID */
	P("opensearch-red", "OpenSearch", "AWS/ES", "ClusterStatus.red", "DomainName", "ClientId", NULL, "Maximum", "None",
	  "1 when a primary shard is not allocated"),
	P("opensearch-yellow", "OpenSearch", "AWS/ES", "ClusterStatus.yellow", "DomainName", "ClientId", NULL, "Maximum",
	  "None", "1 when a replica shard is not allocated"),
	P("opensearch-free-storage", "OpenSearch", "AWS/ES", "FreeStorageSpace", "DomainName", "ClientId", NULL, "Minimum",
	  "Megabytes", "free space of the fullest data node"),
	P("opensearch-cpu", "OpenSearch", "AWS/ES", "CPUUtilization", "DomainName", "ClientId", NULL, "Maximum", "Percent",
	  "CPU use of the busiest data node"),
	P("opensearch-jvm-pressure", "OpenSearch", "AWS/ES", "JVMMemoryPressure", "DomainName", "ClientId", NULL, "Maximum",
	  "Percent", "Java heap used"),
	P("opensearch-writes-blocked", "OpenSearch", "AWS/ES", "ClusterIndexWritesBlocked", "DomainName", "ClientId", NULL,
	  "Maximum", "None", "1 when the cluster blocks writes"),
	/* Lambda, per function */
	P("lambda-errors", "Lambda", "AWS/Lambda", "Errors", "FunctionName", NULL, NULL, "Sum", "Count",
	  "invocations that failed"),
	P("lambda-throttles", "Lambda", "AWS/Lambda", "Throttles", "FunctionName", NULL, NULL, "Sum", "Count",
	  "invocations throttled"),
	P("lambda-duration", "Lambda", "AWS/Lambda", "Duration", "FunctionName", NULL, NULL, "Average", "Milliseconds",
	  "run time of an invocation"),
	P("lambda-concurrency", "Lambda", "AWS/Lambda", "ConcurrentExecutions", "FunctionName", NULL, NULL, "Maximum",
	  "Count", "instances running at once"),
	P("lambda-invocations", "Lambda", "AWS/Lambda", "Invocations", "FunctionName", NULL, NULL, "Sum", "Count",
	  "invocations"),
	/* API Gateway, REST APIs by name (HTTP APIs use ApiId and 5xx/4xx) */
	P("apigw-5xx", "API Gateway", "AWS/ApiGateway", "5XXError", "ApiName", NULL, NULL, "Sum", "Count",
	  "server-side errors"),
	P("apigw-4xx", "API Gateway", "AWS/ApiGateway", "4XXError", "ApiName", NULL, NULL, "Sum", "Count",
	  "client-side errors"),
	P("apigw-latency", "API Gateway", "AWS/ApiGateway", "Latency", "ApiName", NULL, NULL, "Average", "Milliseconds",
	  "time from request to response"),
	P("apigw-integration-latency", "API Gateway", "AWS/ApiGateway", "IntegrationLatency", "ApiName", NULL, NULL,
	  "Average", "Milliseconds", "time the back end takes"),
	P("apigw-count", "API Gateway", "AWS/ApiGateway", "Count", "ApiName", NULL, NULL, "SampleCount", "Count",
	  "requests"),
	/* ECS, per service */
	P("ecs-cpu", "ECS", "AWS/ECS", "CPUUtilization", "ClusterName", "ServiceName", NULL, "Average", "Percent",
	  "CPU use of a service's tasks against what they reserve"),
	P("ecs-memory", "ECS", "AWS/ECS", "MemoryUtilization", "ClusterName", "ServiceName", NULL, "Average", "Percent",
	  "memory use of a service's tasks against what they reserve"),
	/* EC2 Auto Scaling: group metrics must be enabled on the group */
	P("asg-in-service", "Auto Scaling", "AWS/AutoScaling", "GroupInServiceInstances", "AutoScalingGroupName", NULL, NULL,
	  "Minimum", "None", "instances in service"),
	P("asg-desired", "Auto Scaling", "AWS/AutoScaling", "GroupDesiredCapacity", "AutoScalingGroupName", NULL, NULL,
	  "Maximum", "None", "instances the group tries to keep"),
	P("asg-pending", "Auto Scaling", "AWS/AutoScaling", "GroupPendingInstances", "AutoScalingGroupName", NULL, NULL,
	  "Maximum", "None", "instances pending"),
	P("asg-terminating", "Auto Scaling", "AWS/AutoScaling", "GroupTerminatingInstances", "AutoScalingGroupName", NULL,
	  NULL, "Maximum", "None", "instances terminating"),
	P("asg-cpu", "Auto Scaling", "AWS/EC2", "CPUUtilization", "AutoScalingGroupName", NULL, NULL, "Average", "Percent",
	  "CPU use across the group's instances"),
};

const struct cw_preset *cw_preset_find(const char *name)
{
	for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++)
		if (strcmp(presets[i].name, name) == 0)
			return &presets[i];
	return NULL;
}

const struct cw_preset *cw_presets(size_t *n)
{
	*n = sizeof presets / sizeof presets[0];
	return presets;
}
