/** A refused update: `status` is the HTTP status to answer with, `message` says why. */
export class UpdateRefused extends Error {
  override readonly name = 'UpdateRefused';
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}
