// A labelled text input: the label wraps the field, so its accessible name is the label text.

export function TextField({
  label,
  value,
  testid,
  onValue,
}: {
  label: string;
  value: string;
  testid: string;
  onValue: (v: string) => void;
}) {
  return (
    <label>
      {label}
      <input value={value} data-testid={testid} onInput={(e) => onValue(e.currentTarget.value)} />
    </label>
  );
}
