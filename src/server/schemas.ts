import { Type, type TSchema } from '@sinclair/typebox';

export const ErrorSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable machine-readable code.' }),
      message: Type.String({ description: 'What went wrong, in a sentence.' }),
      field: Type.Optional(Type.String({ description: 'The field at fault, when there is one.' })),
      details: Type.Optional(
        Type.Array(Type.Object({ code: Type.String(), message: Type.String(), field: Type.Optional(Type.String()) })),
      ),
    }),
  },
  { $id: 'Error', title: 'Error' },
);

const errorRef = Type.Ref(ErrorSchema);

/** Standard error answers for a route, so OpenAPI lists them. */
export function errors(...codes: number[]): Record<number, TSchema> {
  return Object.fromEntries(codes.map((c) => [c, errorRef]));
}

export const Timestamp = Type.String({ format: 'date-time' });
export const IdParam = Type.Object({ id: Type.String({ maxLength: 64 }) });
