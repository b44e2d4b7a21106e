using FluentValidation;

namespace FalcoHook.Api.Endpoints;

/// <summary>
/// The one validation filter: for every endpoint argument with an <see cref="IValidator{T}"/> registered, runs it
/// and answers 400 problem+json (<c>errors</c> keyed by the JSON path of the field) when it fails.
/// Add it to a group with <c>group.AddEndpointFilterFactory(ValidationFilter.Create)</c>.
/// </summary>
public static class ValidationFilter
{
    public static EndpointFilterDelegate Create(EndpointFilterFactoryContext context, EndpointFilterDelegate next)
    {
        var validated = context.MethodInfo.GetParameters()
            .Select((p, i) => (Index: i, Type: typeof(IValidator<>).MakeGenericType(p.ParameterType)))
            .Where(p => context.ApplicationServices.GetService(p.Type) is not null)
            .ToArray();
        if (validated.Length == 0) return next;
        return async invocation =>
        {
            var errors = new Dictionary<string, List<string>>();
            foreach (var (index, type) in validated)
            {
                var argument = invocation.Arguments[index];
                if (argument is null) continue;
                var validator = (IValidator)invocation.HttpContext.RequestServices.GetRequiredService(type);
                var result = await validator.ValidateAsync(new ValidationContext<object>(argument), invocation.HttpContext.RequestAborted);
                foreach (var failure in result.Errors)
                {
                    var key = failure.PropertyName;
                    if (!errors.TryGetValue(key, out var messages)) errors[key] = messages = [];
                    messages.Add(failure.ErrorMessage);
                }
            }
            return errors.Count > 0
                ? TypedResults.ValidationProblem(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()))
                : await next(invocation);
        };
    }
}
