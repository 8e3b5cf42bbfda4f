--[[
typst-tables.lua: page breaks in tables of the PDF (typst) that leave no row alone.

  * Rows that belong together (a first-column cell followed by rows whose first cell is empty,
    as "Outcome" over its statistics or "Patient" over its visits) become one row-spanning
    cell; the typst template makes every cell unbreakable, so such a group never splits
    across pages and no single row is left under a repeated header.
  * A table of at most KEEP_WHOLE_ROWS body rows (it fits on one page) is kept whole: it moves
    to the next page with its caption instead of breaking.

Other formats are left alone.
]]

local KEEP_WHOLE_ROWS = 40

-- Empty means no content at all: a cell whose text is raw Typst (verbatim-text.lua writes words
-- with punctuation that way) stringifies to "" but is not empty.
local function is_empty(cell)
  if cell == nil then return true end
  for _, block in ipairs(cell.contents) do
    if (block.t ~= "Plain" and block.t ~= "Para") or #block.content > 0 then return false end
  end
  return true
end

-- Merge each run "label, empty, empty, ..." in the first column into one row-spanning cell.
local function group_rows(rows)
  local i = 1
  while i <= #rows do
    local j = i + 1
    while j <= #rows and is_empty(rows[j].cells[1]) do j = j + 1 end
    if j - i > 1 and not is_empty(rows[i].cells[1]) then
      rows[i].cells[1].row_span = j - i
      for k = i + 1, j - 1 do rows[k].cells:remove(1) end
    end
    i = j
  end
end

local function Table(tbl)
  if FORMAT ~= "typst" then return nil end
  local n_rows = 0
  for _, body in ipairs(tbl.bodies) do
    group_rows(body.body)
    n_rows = n_rows + #body.body
  end
  if n_rows <= KEEP_WHOLE_ROWS then
    return { pandoc.RawBlock("typst", "#block(breakable: false)["), tbl, pandoc.RawBlock("typst", "]") }
  end
  return tbl
end

return { { Table = Table } }
