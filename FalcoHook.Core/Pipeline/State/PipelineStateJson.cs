using System.Text.Json.Serialization;

namespace FalcoHook.Core.Pipeline.State;

/// <summary>The JSON of stored storm windows: group key values and sampled field values.</summary>
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(Dictionary<string, List<string>>))]
internal sealed partial class PipelineStateJson : JsonSerializerContext;
