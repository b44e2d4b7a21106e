using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;

namespace FalcoHook.Core.Destinations.Elasticsearch;

/// <summary>
/// Sends a batch as one <c>POST {Url}/_bulk</c> (<see cref="BulkBody"/>); with <c>IndexTemplate</c>, first puts the
/// index template once per destination. A failed request is one outcome for the whole batch; a 2xx answer is read
/// item by item, so exactly the refused items are retried or dead.
/// </summary>
public sealed class ElasticsearchSender(IHttpClientFactory factory, TimeProvider time) : BatchDestinationSender<ElasticsearchSettings>
{
    private readonly ConcurrentDictionary<string, bool> _templated = new(StringComparer.Ordinal);

    protected override async Task<IReadOnlyList<SendResult>> SendBatchAsync(IReadOnlyList<DeliveryAttempt> batch, ElasticsearchSettings settings, CancellationToken cancellationToken)
    {
        var destination = batch[0].Destination;
        var client = factory.CreateClient(DestinationCatalog.HttpClientName(destination.Name));
        try
        {
            if (settings.IndexTemplate && !_templated.ContainsKey(destination.Name))
            {
                var template = await PutTemplateAsync(client, settings, cancellationToken).ConfigureAwait(false);
                if (template.Outcome != SendOutcome.Delivered) return All(template, batch.Count);
                _templated[destination.Name] = true;
            }
            using var request = new HttpRequestMessage(HttpMethod.Post, Under(settings, "_bulk"));
            request.Content = new ByteArrayContent(BulkBody.Write(batch, settings));
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
            Authorize(request, settings);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode) return All(await HttpOutcome.FromResponseAsync(response, time, cancellationToken).ConfigureAwait(false), batch.Count);
            var answer = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            return BulkBody.ReadAnswer(answer, batch.Count);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return All(HttpOutcome.FromException(e, destination.Options), batch.Count);
        }
    }

    private async Task<SendResult> PutTemplateAsync(HttpClient client, ElasticsearchSettings settings, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, Under(settings, "_index_template/" + Uri.EscapeDataString(settings.Index)));
        request.Content = new StringContent(TemplateJson(settings), Encoding.UTF8, "application/json");
        Authorize(request, settings);
        using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var result = await HttpOutcome.FromResponseAsync(response, time, cancellationToken).ConfigureAwait(false);
        return result.Outcome == SendOutcome.Delivered ? result : result with { Error = "index template: " + result.Error };
    }

    /// <summary>The composable index template for <c>&lt;Index&gt;-*</c>: the alert's fixed fields typed, output_fields dynamic.</summary>
    public static string TemplateJson(ElasticsearchSettings settings) =>
        "{\"index_patterns\":[" + System.Text.Json.JsonSerializer.Serialize(BulkBody.SuffixFormat(settings.IndexSuffix) is "" ? settings.Index : settings.Index + "-*") + "]," +
        "\"template\":{\"mappings\":{\"properties\":{" +
        "\"time\":{\"type\":\"date_nanos\"},\"rule\":{\"type\":\"keyword\"},\"priority\":{\"type\":\"keyword\"}," +
        "\"source\":{\"type\":\"keyword\"},\"hostname\":{\"type\":\"keyword\"},\"tags\":{\"type\":\"keyword\"},\"output\":{\"type\":\"text\"}}}}}";

    private static Uri Under(ElasticsearchSettings settings, string path) => new(new Uri(settings.Url!.TrimEnd('/') + "/"), path);

    private static void Authorize(HttpRequestMessage request, ElasticsearchSettings settings)
    {
        if (!string.IsNullOrEmpty(settings.ApiKey))
            request.Headers.Authorization = new AuthenticationHeaderValue("ApiKey", settings.ApiKey);
        else if (!string.IsNullOrEmpty(settings.Username))
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{settings.Username}:{settings.Password}")));
    }
}
