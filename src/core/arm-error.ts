/**
 * The ARM / CloudError envelope: `{"error": {"code", "message", "target", "details"}}`.
 * Domain code throws ArmError; the HTTP layer renders it with its status.
 */

export interface ArmErrorDetail {
  code: string;
  message: string;
  target?: string;
}

export interface ArmErrorBody extends ArmErrorDetail {
  details?: ArmErrorDetail[];
  innererror?: { exceptiontype?: string; errordetail?: string };
}

export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly target?: string,
    readonly details: ArmErrorDetail[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ArmError';
  }

  toBody(): { error: ArmErrorBody } {
    const error: ArmErrorBody = { code: this.code, message: this.message };
    if (this.target !== undefined) error.target = this.target;
    if (this.details.length > 0) error.details = this.details;
    return { error };
  }
}

export const badRequest = (code: string, message: string, target?: string) => new ArmError(400, code, message, target);

/**
 * Collects every validation problem of a request so the caller sees all of them at once:
 * one problem is returned as itself, several as `InvalidParameter` with one detail each.
 */
export class Problems {
  private readonly list: ArmErrorDetail[] = [];

  add(target: string, message: string, code = 'InvalidParameter'): void {
    this.list.push({ code, message, target });
  }

  get count(): number {
    return this.list.length;
  }

  throwIfAny(): void {
    if (this.list.length === 0) return;
    const [first] = this.list;
    if (this.list.length === 1) throw new ArmError(400, first.code, first.message, first.target);
    throw new ArmError(
      400,
      'InvalidParameter',
      `The request has ${this.list.length} invalid parameters. ${this.list.map((p) => `${p.target}: ${p.message}`).join(' ')}`,
      first.target,
      this.list,
    );
  }
}
