namespace FalcoHook.Core.Destinations.Aws;

/// <summary>
/// The keys every AWS destination type (<c>sqs</c>, <c>sns</c>, <c>kinesis</c>, <c>cloudwatchlogs</c>) has: the region,
/// an optional endpoint (LocalStack, a VPC endpoint, a test fake) and optional static keys. Without keys the standard
/// AWS credentials chain is used: the environment (<c>AWS_ACCESS_KEY_ID</c>, <c>AWS_SECRET_ACCESS_KEY</c>,
/// <c>AWS_SESSION_TOKEN</c>), the shared credentials and config files (<c>AWS_PROFILE</c>), web identity (EKS), the
/// container and the EC2 instance roles.
/// </summary>
public abstract class AwsSettings
{
    /// <summary>The AWS region (<c>us-east-1</c>), required: the endpoint's and the signature's region.</summary>
    public string? Region { get; set; }

    /// <summary>An endpoint instead of the region's public one, e.g. <c>http://localhost:4566</c> for LocalStack.</summary>
    public string? ServiceUrl { get; set; }

    /// <summary>A static access key id; unset means the standard credentials chain.</summary>
    public string? AccessKeyId { get; set; }

    /// <summary>The secret of <see cref="AccessKeyId"/>.</summary>
    public string? SecretAccessKey { get; set; }

    /// <summary>The session token of temporary static keys; optional.</summary>
    public string? SessionToken { get; set; }
}
