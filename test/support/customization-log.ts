/** An image template's customization.log through Kiln's API, as a user following a run reads it. */
import type { TokenCredential } from '@azure/core-auth';

export async function readCustomizationLog(
  kiln: { url: string; credential: TokenCredential },
  templateId: string,
  offset = 0,
) {
  const token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
  const response = await fetch(`${kiln.url}${templateId}/customizationLog?api-version=2025-10-01&offset=${offset}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (response.status !== 200)
    throw new Error(`customizationLog of ${templateId} answered ${response.status}: ${await response.text()}`);
  return {
    text: await response.text(),
    /** True once the run ended and the log was sealed. */
    complete: response.headers.get('x-ms-kiln-log-complete') === 'true',
    nextOffset: Number(response.headers.get('x-ms-kiln-next-offset')),
  };
}
