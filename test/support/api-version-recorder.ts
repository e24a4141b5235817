/** An SDK client's pipeline policy that tells `seen` the URL and api-version of every request the client sends. */
export function apiVersionRecorder(seen: (url: URL, apiVersion: string) => void) {
  return {
    position: 'perCall' as const,
    policy: {
      name: 'recordApiVersion',
      sendRequest<Request extends { url: string }, Response>(
        request: Request,
        next: (request: Request) => Promise<Response>,
      ) {
        const url = new URL(request.url);
        const version = url.searchParams.get('api-version');
        if (version) seen(url, version);
        return next(request);
      },
    },
  };
}
