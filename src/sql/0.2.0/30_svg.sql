-- src/sql/0.2.0/30_svg.sql: the alignment matrix drawn as SVG, for a
-- dashboard.
--
-- alignment.matrix_svg(team_id, period_start) and
-- alignment.matrix_svg(period_start) return a 480 px wide SVG document of
-- the 4-cell matrix: lifecycle clarity across (0 to 1), persona agreement
-- up (0 to 1), the two thresholds (alignment.lifecycle_clarity_threshold,
-- alignment.persona_agreement_threshold) as dashed lines splitting the
-- square into the four cells, each cell tinted and named, and one labelled
-- dot per team at its two indices from alignment.alignment_matrix. Teams
-- that cannot be placed (an index is NULL, or no row for the period) are
-- listed under the square as "insufficient data", which makes the picture
-- taller; the picture of every team leaves out the teams that have no lead
-- and no deal at all (such as an unused 'default' team). A team with fewer
-- decided mql entries than alignment.min_sample (low_confidence) is drawn
-- as a hollow dot.
--
-- Every text from the data (team names) is escaped for XML; coordinates
-- are rounded to 0.1 px. The functions read the live view, with the
-- caller's rights, so team security applies to them as to the view.

CREATE FUNCTION alignment.xml_escape(value text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(
    pg_catalog.replace(pg_catalog.replace(
        pg_catalog.regexp_replace(value, '[\x01-\x08\x0b\x0c\x0e-\x1f]', '',
                                  'g'),
        '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'),
    '''', '&#39;');
COMMENT ON FUNCTION alignment.xml_escape(text) IS
'value made safe as XML text or attribute content: & < > " and '' replaced by entities, and the control characters XML 1.0 forbids removed.';

CREATE FUNCTION alignment.matrix_cell_name(cell integer)
RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, alignment
AS $$
BEGIN
    CASE cell
        WHEN 1 THEN RETURN 'No shared ICP, no agreed handoff';
        WHEN 2 THEN RETURN 'Right buyers, leads fall through the gaps';
        WHEN 3 THEN RETURN 'Clean process, wrong leads';
        WHEN 4 THEN RETURN 'Target state';
        ELSE
            RAISE EXCEPTION 'alignment matrix cell % does not exist', cell
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = 'Cells are numbered 1 to 4.';
    END CASE;
END
$$;
COMMENT ON FUNCTION alignment.matrix_cell_name(integer) IS
'Name of a cell (1 to 4) of the alignment matrix: 1 No shared ICP, no agreed handoff; 2 Right buyers, leads fall through the gaps; 3 Clean process, wrong leads; 4 Target state.';

CREATE FUNCTION alignment.matrix_svg_draw(team_id text, period_start date)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, alignment
AS $$
DECLARE
    -- The square: side s px, top-left corner (l, t).
    w constant integer := 480;
    l constant integer := 64;
    t constant integer := 44;
    s constant integer := 380;
    b constant integer := t + s;
    r constant integer := l + s;
    line_height constant integer := 16;
    max_missing constant integer := 6;
    label_chars constant integer := 28;
    ticks constant text[] := '{0,0.2,0.4,0.6,0.8,1}';

    unit text := alignment.setting('period');
    tx double precision :=
        CAST(alignment.setting('lifecycle_clarity_threshold')
             AS double precision);
    ty double precision :=
        CAST(alignment.setting('persona_agreement_threshold')
             AS double precision);
    p date;
    caption text;
    xt numeric;
    yt numeric;
    body text[] := '{}';
    footer text[] := '{}';
    missing text[] := '{}';
    any_low boolean := false;
    d record;
    teams jsonb;
    cx double precision;
    cy double precision;
    lx double precision;
    ly double precision;
    x1 double precision;
    x2 double precision;
    anchor text;
    txt text;
    placed_x1 double precision[];
    placed_x2 double precision[];
    placed_y double precision[];
    i integer;
    k integer;
    height integer;
    y integer;
BEGIN
    -- The period that contains period_start, in the business time zone.
    p := alignment.period_start(pg_catalog.timezone(
        alignment.setting('business_timezone'),
        CAST(matrix_svg_draw.period_start AS timestamp)));
    caption := CASE unit
        WHEN 'week' THEN 'week of ' || pg_catalog.to_char(p, 'YYYY-MM-DD')
        WHEN 'month' THEN pg_catalog.to_char(p, 'FMMonth YYYY')
        WHEN 'quarter' THEN pg_catalog.to_char(p, 'YYYY "Q"Q')
        ELSE pg_catalog.to_char(p, 'YYYY')
    END;

    xt := pg_catalog.round(CAST(l + tx * s AS numeric), 1);
    yt := pg_catalog.round(CAST(b - ty * s AS numeric), 1);

    -- The four cells, tinted, with their names in the outer corners.
    body := body || pg_catalog.format(
        '<rect x="%s" y="%s" width="%s" height="%s" fill="#f6d5d1"><title>1 %s</title></rect>',
        l, yt, xt - l, b - yt, alignment.matrix_cell_name(1));
    body := body || pg_catalog.format(
        '<rect x="%s" y="%s" width="%s" height="%s" fill="#fbe7c0"><title>2 %s</title></rect>',
        l, t, xt - l, yt - t, alignment.matrix_cell_name(2));
    body := body || pg_catalog.format(
        '<rect x="%s" y="%s" width="%s" height="%s" fill="#fbe7c0"><title>3 %s</title></rect>',
        xt, yt, r - xt, b - yt, alignment.matrix_cell_name(3));
    body := body || pg_catalog.format(
        '<rect x="%s" y="%s" width="%s" height="%s" fill="#d3ecd8"><title>4 %s</title></rect>',
        xt, t, r - xt, yt - t, alignment.matrix_cell_name(4));
    body := body || pg_catalog.format(
        '<g font-size="12" fill="#444">'
        '<text x="%s" y="%s"><tspan font-weight="bold">2</tspan> Right buyers, leads</text>'
        '<text x="%s" y="%s">fall through the gaps</text>'
        '<text x="%s" y="%s" text-anchor="end"><tspan font-weight="bold">4</tspan> Target state</text>'
        '<text x="%s" y="%s"><tspan font-weight="bold">1</tspan> No shared ICP,</text>'
        '<text x="%s" y="%s">no agreed handoff</text>'
        '<text x="%s" y="%s" text-anchor="end"><tspan font-weight="bold">3</tspan> Clean process,</text>'
        '<text x="%s" y="%s" text-anchor="end">wrong leads</text>'
        '</g>',
        l + 8, t + 18, l + 8, t + 33,
        r - 8, t + 18,
        l + 8, b - 25, l + 8, b - 10,
        r - 8, b - 25, r - 8, b - 10);

    -- Dot labels keep clear of the cell names.
    placed_x1 := ARRAY[l + 8, l + 8, r - 100, l + 8, l + 8, r - 114, r - 81];
    placed_x2 := ARRAY[l + 147, l + 147, r - 8, l + 114, l + 120, r - 8,
                       r - 8];
    placed_y := ARRAY[t + 18, t + 33, t + 18, b - 25, b - 10, b - 25, b - 10];

    -- Frame, thresholds and axes.
    body := body || pg_catalog.format(
        '<rect x="%s" y="%s" width="%s" height="%s" fill="none" stroke="#888"/>',
        l, t, s, s);
    body := body || pg_catalog.format(
        '<g stroke="#555" stroke-width="1.5" stroke-dasharray="6 4">'
        '<line x1="%s" y1="%s" x2="%s" y2="%s"/>'
        '<line x1="%s" y1="%s" x2="%s" y2="%s"/></g>',
        xt, t, xt, b, l, yt, r, yt);
    body := body || pg_catalog.format(
        '<g font-size="11" fill="#555">'
        '<text x="%s" y="%s" text-anchor="middle">%s</text>'
        '<text x="%s" y="%s">%s</text></g>',
        xt, t - 5, tx, r + 4, yt + 4, ty);
    FOR i IN 0..5 LOOP
        body := body || pg_catalog.format(
            '<text x="%s" y="%s" font-size="11" fill="#555" text-anchor="middle">%s</text>'
            '<text x="%s" y="%s" font-size="11" fill="#555" text-anchor="end">%s</text>',
            l + i * s / 5, b + 15, ticks[i + 1],
            l - 6, b - i * s / 5 + 4, ticks[i + 1]);
    END LOOP;
    body := body || pg_catalog.format(
        '<text x="%s" y="%s" font-size="13" text-anchor="middle">Lifecycle clarity</text>'
        '<text transform="translate(%s %s) rotate(-90)" font-size="13" text-anchor="middle">Persona agreement</text>',
        l + s / 2, b + 34, 22, t + s / 2);

    -- The teams, from the top of the square down.
    SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'name', tm.name,
               'has_row', m.team_id IS NOT NULL,
               'pa', m.persona_agreement,
               'lc', m.lifecycle_clarity,
               'cell', m.cell,
               'low', m.low_confidence)
           ORDER BY m.persona_agreement DESC NULLS LAST, m.lifecycle_clarity,
                    tm.name, tm.team_id)
    INTO teams
    FROM alignment.team AS tm
    LEFT JOIN alignment.alignment_matrix AS m
        ON m.team_id = tm.team_id
       AND NOT m.all_teams
       AND m.period_start = p
    WHERE tm.team_id = matrix_svg_draw.team_id
       OR matrix_svg_draw.team_id IS NULL
          AND (m.team_id IS NOT NULL
               OR EXISTS (SELECT FROM alignment.lead AS ld
                          WHERE ld.team_id = tm.team_id)
               OR EXISTS (SELECT FROM alignment.deal AS dl
                          WHERE dl.team_id = tm.team_id));

    -- Labels keep clear of the dots too.
    SELECT placed_x1 || pg_catalog.array_agg(l + x.lc * s - 8),
           placed_x2 || pg_catalog.array_agg(l + x.lc * s + 8),
           placed_y || pg_catalog.array_agg(b - x.pa * s + 4)
    INTO placed_x1, placed_x2, placed_y
    FROM pg_catalog.jsonb_to_recordset(teams)
        AS x (pa double precision, lc double precision)
    WHERE x.pa IS NOT NULL AND x.lc IS NOT NULL;

    FOR d IN
        SELECT *
        FROM pg_catalog.jsonb_to_recordset(teams) AS x (name text,
            has_row boolean, pa double precision, lc double precision,
            cell integer, low boolean)
    LOOP
        txt := CASE WHEN pg_catalog.length(d.name) > label_chars
                      THEN pg_catalog.left(d.name, label_chars - 1) || '…'
                      ELSE d.name END;
        IF d.pa IS NULL OR d.lc IS NULL THEN
            missing := missing || (txt || ': ' || CASE
                WHEN NOT d.has_row THEN 'no data in the period'
                WHEN d.pa IS NULL AND d.lc IS NULL
                    THEN 'persona agreement and lifecycle clarity unknown'
                WHEN d.pa IS NULL
                    THEN 'persona agreement unknown'
                ELSE 'lifecycle clarity unknown'
            END);
            CONTINUE;
        END IF;

        cx := l + d.lc * s;
        cy := b - d.pa * s;
        -- The label goes beside the dot (right of it, or left in the right
        -- part of the square), else on the other side, else a line or two
        -- up or down: places 0 to 9, even ones on the first side. When all
        -- of those overlap a label already placed, place 10 puts it back
        -- beside the dot, where its white halo keeps it legible.
        FOR k IN 0..10 LOOP
            IF (d.lc > 0.7) = (k % 2 = 0) THEN
                anchor := 'end';
                lx := cx - 11;
                x1 := lx - 6.6 * pg_catalog.length(txt);
                x2 := lx;
            ELSE
                anchor := 'start';
                lx := cx + 11;
                x1 := lx;
                x2 := lx + 6.6 * pg_catalog.length(txt);
            END IF;
            IF k = 10 THEN
                ly := cy + 4;
                EXIT;
            END IF;
            y := pg_catalog.round(cy + 4 + 13 * (ARRAY[0, 0, -1, -1, 1, 1,
                                                       -2, -2, 2, 2])[k + 1]);
            CONTINUE WHEN y < t + 4 OR y > b + 4 OR x1 < 4 OR x2 > w - 4;
            IF NOT EXISTS (
                SELECT FROM pg_catalog.generate_subscripts(placed_y, 1) AS j
                WHERE placed_x1[j] < x2 AND x1 < placed_x2[j]
                  AND pg_catalog.abs(placed_y[j] - y) < 13) THEN
                ly := y;
                EXIT;
            END IF;
        END LOOP;
        placed_x1 := placed_x1 || x1;
        placed_x2 := placed_x2 || x2;
        placed_y := placed_y || ly;
        any_low := any_low OR d.low;

        body := body || pg_catalog.format(
            '<g><title>%s: persona agreement %s, lifecycle clarity %s, cell %s (%s)%s</title>'
            '<circle cx="%s" cy="%s" r="7" %s/>'
            '<text x="%s" y="%s" font-size="12" text-anchor="%s" fill="#111" stroke="#fff" stroke-width="3" paint-order="stroke">%s</text></g>',
            alignment.xml_escape(d.name),
            pg_catalog.round(CAST(d.pa AS numeric), 2),
            pg_catalog.round(CAST(d.lc AS numeric), 2),
            d.cell, alignment.matrix_cell_name(d.cell),
            CASE WHEN d.low THEN ', low confidence' ELSE '' END,
            pg_catalog.round(CAST(cx AS numeric), 1),
            pg_catalog.round(CAST(cy AS numeric), 1),
            CASE WHEN d.low
                THEN 'fill="#fff" stroke="#1f4e79" stroke-width="2.5"'
                ELSE 'fill="#1f4e79" stroke="#fff" stroke-width="1.5"' END,
            pg_catalog.round(CAST(lx AS numeric), 1),
            pg_catalog.round(CAST(ly AS numeric), 1),
            anchor, alignment.xml_escape(txt));
    END LOOP;

    -- Under the square: what the hollow dots mean, the teams not placed.
    IF any_low THEN
        footer := footer || pg_catalog.format(
            'Hollow dot: fewer than %s decided mql entries (low confidence).',
            alignment.setting('min_sample'));
    END IF;
    IF pg_catalog.cardinality(missing) > 0 THEN
        footer := footer || 'Insufficient data:'::text;
        IF pg_catalog.cardinality(missing) > max_missing THEN
            missing := missing[1:max_missing - 1]
                || pg_catalog.format('… and %s more teams',
                       pg_catalog.cardinality(missing) - max_missing + 1);
        END IF;
        FOREACH txt IN ARRAY missing LOOP
            footer := footer || ('• ' || txt);
        END LOOP;
    END IF;
    height := CASE WHEN pg_catalog.cardinality(footer) = 0 THEN w
                   ELSE b + 52 + line_height * pg_catalog.cardinality(footer)
              END;
    y := b + 52;
    FOREACH txt IN ARRAY footer LOOP
        body := body || pg_catalog.format(
            '<text x="%s" y="%s" font-size="12" fill="#333">%s</text>',
            l - 40, y, alignment.xml_escape(txt));
        y := y + line_height;
    END LOOP;

    caption := 'Alignment matrix, ' || caption;
    IF matrix_svg_draw.team_id IS NOT NULL THEN
        caption := caption || ': ' || (
            SELECT CASE WHEN pg_catalog.length(tm.name) > 32
                        THEN pg_catalog.left(tm.name, 31) || '…'
                        ELSE tm.name END
            FROM alignment.team AS tm
            WHERE tm.team_id = matrix_svg_draw.team_id);
    END IF;

    RETURN pg_catalog.format(
        '<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s" font-family="sans-serif" role="img">',
        w, height, w, height)
        || E'\n' || pg_catalog.format('<title>%s</title>',
                                      alignment.xml_escape(caption))
        || E'\n<rect width="100%" height="100%" fill="#fff"/>'
        || E'\n' || pg_catalog.format(
            '<text x="%s" y="26" font-size="15" font-weight="bold" text-anchor="middle">%s</text>',
            w / 2, alignment.xml_escape(caption))
        || E'\n' || pg_catalog.array_to_string(body, E'\n')
        || E'\n</svg>\n';
END
$$;
COMMENT ON FUNCTION alignment.matrix_svg_draw(text, date) IS
'Draws the alignment matrix behind alignment.matrix_svg: the team team_id, or every team when it is NULL, in the period that contains period_start.';

CREATE FUNCTION alignment.matrix_svg(team_id text, period_start date)
RETURNS text
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, alignment
AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM alignment.team AS tm
                   WHERE tm.team_id = matrix_svg.team_id) THEN
        RAISE EXCEPTION 'team "%" does not exist', matrix_svg.team_id
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'The teams are listed in alignment.team.';
    END IF;
    RETURN alignment.matrix_svg_draw(matrix_svg.team_id,
                                     matrix_svg.period_start);
END
$$;
COMMENT ON FUNCTION alignment.matrix_svg(text, date) IS
'The alignment matrix of one team in the period that contains period_start, as an SVG document about 480 px square: the four cells split by the thresholds alignment.lifecycle_clarity_threshold (across) and alignment.persona_agreement_threshold (up), and the team as a dot at its lifecycle clarity and persona agreement (alignment.alignment_matrix); listed under the square as insufficient data when it cannot be placed. An error when the team does not exist.';

CREATE FUNCTION alignment.matrix_svg(period_start date)
RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN alignment.matrix_svg_draw(NULL, period_start);
COMMENT ON FUNCTION alignment.matrix_svg(date) IS
'The alignment matrix of every team in the period that contains period_start, as an SVG document about 480 px square: one labelled dot per team at its lifecycle clarity (across) and persona agreement (up), the teams that cannot be placed listed under the square as insufficient data (teams without any lead or deal are left out). Under team security, the teams the caller sees.';

GRANT EXECUTE ON FUNCTION alignment.xml_escape(text),
    alignment.matrix_cell_name(integer),
    alignment.matrix_svg_draw(text, date),
    alignment.matrix_svg(text, date),
    alignment.matrix_svg(date)
    TO alignment_reader, alignment_loader;
