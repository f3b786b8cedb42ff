import { useId } from 'react';
import { BLOCK_TYPES, type Block, type BlockType } from '../api/model';

/** A block with a key that survives reordering, so React keeps each textarea (and its caret) with its text. */
export interface EditableBlock extends Block {
  key: string;
}

let next = 0;
export const withKeys = (blocks: Block[]): EditableBlock[] => blocks.map((b) => ({ ...b, key: `b${++next}` }));
export const withoutKeys = (blocks: EditableBlock[]): Block[] => blocks.map(({ type, text }) => ({ type, text }));

/** The structured body: paragraphs, headings and quotes; add, edit, reorder and delete, all by keyboard. */
export function BlocksEditor({ blocks, onChange, disabled }: { blocks: EditableBlock[]; onChange: (b: EditableBlock[]) => void; disabled?: boolean }) {
  const id = useId();
  const update = (i: number, patch: Partial<Block>) => onChange(blocks.map((b, j) => (j === i ? { ...b, ...patch } : b)));
  const move = (i: number, by: number) => {
    const j = i + by;
    if (j < 0 || j >= blocks.length) return;
    const copy = [...blocks];
    [copy[i], copy[j]] = [copy[j], copy[i]];
    onChange(copy);
  };
  const add = (at: number, type: BlockType) => {
    const copy = [...blocks];
    copy.splice(at, 0, { type, text: '', key: `b${++next}` });
    onChange(copy);
  };
  return (
    <fieldset className="blocks" disabled={disabled}>
      <legend>Body</legend>
      <ol>
        {blocks.map((b, i) => (
          <li key={b.key} className={`block block-${b.type}`}>
            <div className="block-tools">
              <label htmlFor={`${id}-t${b.key}`}>Block {i + 1} type</label>
              <select id={`${id}-t${b.key}`} value={b.type} onChange={(e) => update(i, { type: e.target.value as BlockType })}>
                {BLOCK_TYPES.map((t) => (
                  <option key={t}>{t}</option>
                ))}
              </select>
              <button type="button" onClick={() => move(i, -1)} disabled={i === 0} aria-label={`Move block ${i + 1} up`}>
                ↑
              </button>
              <button type="button" onClick={() => move(i, 1)} disabled={i === blocks.length - 1} aria-label={`Move block ${i + 1} down`}>
                ↓
              </button>
              <button type="button" onClick={() => onChange(blocks.filter((_, j) => j !== i))} disabled={blocks.length === 1} aria-label={`Delete block ${i + 1}`}>
                Delete
              </button>
            </div>
            <label className="sr-only" htmlFor={`${id}-x${b.key}`}>
              Block {i + 1} text
            </label>
            <textarea id={`${id}-x${b.key}`} value={b.text} rows={b.type === 'paragraph' ? 4 : 2} onChange={(e) => update(i, { text: e.target.value })} />
          </li>
        ))}
      </ol>
      <div className="row">
        {BLOCK_TYPES.map((t) => (
          <button type="button" key={t} onClick={() => add(blocks.length, t)}>
            Add {t}
          </button>
        ))}
      </div>
    </fieldset>
  );
}
