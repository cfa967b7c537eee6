/**
 * What the Ask view was given to look at: a gallery example clicked (its input, as the server
 * sent it) — the Ask view loads it, asks the model (with saliency) and shows the answer.
 */

import { create } from 'zustand'
import type { GalleryItem, PredictionSplit } from '../api/runsApi'

export interface AskExample {
  runId: string
  split: PredictionSplit
  item: GalleryItem
  /** Bumped on each pick (picking the same example again reloads it). */
  nonce: number
}

interface AskStore {
  example: AskExample | null
  pick(runId: string, split: PredictionSplit, item: GalleryItem): void
  clear(): void
}

export const useAskStore = create<AskStore>()((set, get) => ({
  example: null,
  pick(runId, split, item) {
    set({ example: { runId, split, item, nonce: (get().example?.nonce ?? 0) + 1 } })
  },
  clear() {
    set({ example: null })
  },
}))
