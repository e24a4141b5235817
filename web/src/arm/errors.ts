/** An ARM error answer as the portal shows it: the CloudError's code, message and the JSON path it names. */
export interface ArmErrorBody {
  code: string;
  message: string;
  target?: string;
  details?: ArmErrorBody[];
}

export class ArmRequestError extends Error {
  readonly status: number;
  readonly code: string;
  readonly target?: string;
  readonly details: ArmErrorBody[];

  constructor(status: number, body: ArmErrorBody) {
    super(body.message);
    this.status = status;
    this.code = body.code;
    this.target = body.target;
    this.details = body.details ?? [];
  }

  /** Every error the answer lists with the JSON path it names (a validation answer lists each bad field). */
  fieldErrors(): ArmErrorBody[] {
    const all = [{ code: this.code, message: this.message, target: this.target }, ...this.details];
    return all.filter((error) => error.target);
  }
}

/** Reads any failed answer as an ArmRequestError, whatever its body (a proxy's HTML page, nothing). */
export async function errorOf(response: Response): Promise<ArmRequestError> {
  const text = await response.text();
  try {
    const parsed = JSON.parse(text) as { error?: ArmErrorBody | string; error_description?: string };
    if (typeof parsed.error === 'object' && parsed.error?.code)
      return new ArmRequestError(response.status, parsed.error);
    // The token endpoint answers OAuth2 errors: { error, error_description }.
    if (typeof parsed.error === 'string')
      return new ArmRequestError(response.status, {
        code: parsed.error,
        message: (parsed.error_description ?? parsed.error).split('\r\n')[0],
      });
  } catch {
    // Not JSON: fall through to the status line.
  }
  return new ArmRequestError(response.status, {
    code: `Http${response.status}`,
    message: text.slice(0, 300) || `The server answered ${response.status} ${response.statusText}.`,
  });
}
