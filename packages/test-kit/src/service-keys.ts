import {
  bearer,
  createServiceSigner,
  generateServiceKey,
  publicKeySetJson,
  type ServiceKeyPair,
  type ServiceName,
  type ServiceSigner,
} from '@cruddur/service-auth';

/** A signing key per calling service and the public set every callee trusts, made fresh for a test file. */
export interface TestServiceKeys {
  gateway: ServiceKeyPair;
  messaging: ServiceKeyPair;
  ops: ServiceKeyPair;
  /** `SERVICE_AUTH_PUBLIC_KEYS` for users and messaging. */
  publicKeysJson: string;
  /** `SERVICE_AUTH_PRIVATE_KEY` of one caller. */
  privateKeyJson(service: 'gateway' | 'messaging' | 'ops'): string;
  /** Signs as `service` (the gateway by default). */
  signer(service?: 'gateway' | 'messaging' | 'ops'): Promise<ServiceSigner>;
  /** `Authorization` header: the gateway acting for `userUuid` towards `audience`. */
  asUser(audience: ServiceName, userUuid: string): Promise<{ authorization: string }>;
  /** `Authorization` header: a service credential of `service` towards `audience`. */
  asService(
    audience: ServiceName,
    service?: 'gateway' | 'messaging' | 'ops',
  ): Promise<{ authorization: string }>;
}

export async function createTestServiceKeys(): Promise<TestServiceKeys> {
  const [gateway, messaging, ops] = await Promise.all([
    generateServiceKey('gateway'),
    generateServiceKey('messaging'),
    generateServiceKey('ops'),
  ]);
  const pairs = { gateway, messaging, ops };
  const signers = new Map<string, Promise<ServiceSigner>>();
  const signer = (service: 'gateway' | 'messaging' | 'ops' = 'gateway') => {
    let s = signers.get(service);
    if (!s) {
      s = createServiceSigner({ privateKey: pairs[service].privateKey });
      signers.set(service, s);
    }
    return s;
  };
  return {
    ...pairs,
    publicKeysJson: publicKeySetJson([gateway.publicKey, messaging.publicKey, ops.publicKey]),
    privateKeyJson: (service) => JSON.stringify(pairs[service].privateKey),
    signer,
    asUser: async (audience, userUuid) => bearer(await (await signer('gateway')).forUser(audience, userUuid)),
    asService: async (audience, service = 'gateway') =>
      bearer(await (await signer(service)).forService(audience)),
  };
}
