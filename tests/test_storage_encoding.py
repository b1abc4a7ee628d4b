"""snt.save's on-disk layout: lossless compression by default, storage dtype, per-variable encoding,
complex variables readable by any netCDF reader, and snt.open(chunks=) returning dask-backed data."""

import importlib.util
import os

import numpy as np
import pytest
import xarray as xr

import snt
from snt.encoding import MIN_RATIO, compresses


def _size(path):
    return path.stat().st_size if path.is_file() else sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


@pytest.fixture(scope="module")
def runs():
    """The README's first example, scaled down (N = 1000, 4 trials, 100 steps): a chaotic run (g = 2) and a
    contracting one (g = 0.5, thresholds, no noise: every trajectory has settled on the fixed point to the last
    bit after the transient, so the stored values repeat)."""
    kw = dict(steps=100, trials=4, transient=50, seed=2, progress=False)
    chaotic = snt.simulate(snt.Ensemble(N=1000, g=2.0, gamma=0.5, sigma=0.1).sample(seed=1), **kw)
    regular = snt.simulate(snt.Ensemble(N=1000, g=0.5, gamma=0.5, theta_mean=0.5).sample(seed=1),
                           **{**kw, "transient": 400})
    return chaotic, regular


@pytest.mark.parametrize("suffix", [".nc", ".zarr"])
def test_default_compression_is_lossless_and_used_where_it_pays(tmp_path, runs, suffix):
    chaotic, regular = runs
    # A run that settles on the fixed point repeats its values: compressed many times by default.
    plain = snt.save(regular, tmp_path / f"regular-plain{suffix}", compression=None)
    packed = snt.save(regular, tmp_path / f"regular{suffix}")
    assert _size(plain) / _size(packed) >= 3.0, (_size(plain), _size(packed))
    xr.testing.assert_identical(snt.open(packed), regular)
    # A chaotic float64 state has ~52 random mantissa bits: only the sign/exponent bytes compress (a few %),
    # not worth the cost, so the default stores it as it is; compression=1 forces it.
    plain = snt.save(chaotic, tmp_path / f"chaotic-plain{suffix}", compression=None)
    default = snt.save(chaotic, tmp_path / f"chaotic{suffix}")
    forced = snt.save(chaotic, tmp_path / f"chaotic-forced{suffix}", compression=1)
    assert abs(_size(default) / _size(plain) - 1) < 0.01
    assert 1.02 <= _size(plain) / _size(forced) < MIN_RATIO
    for path in (default, forced):
        back = snt.open(path)
        xr.testing.assert_identical(back, chaotic)
        np.testing.assert_array_equal(back.u.values, chaotic.u.values)  # bit for bit


def test_the_probe_decides_like_the_full_compression(runs):
    import zlib

    chaotic, regular = runs
    for values in (chaotic.u.values, regular.u.values, np.arange(10**5), np.zeros(10**5, bool)):
        shuffled = values.reshape(-1).view(np.uint8).reshape(-1, values.itemsize).T.tobytes()
        full = len(shuffled) / len(zlib.compress(shuffled, 1))
        assert compresses(values) == (full >= MIN_RATIO), full


def test_float32_storage_halves_the_size_within_rounding(tmp_path, runs):
    chaotic, _ = runs
    plain = snt.save(chaotic, tmp_path / "plain.nc", compression=None)
    small = snt.save(chaotic, tmp_path / "small.nc", dtype="float32")
    assert _size(plain) / _size(small) >= 1.9
    back = snt.open(small)
    assert back.u.dtype == np.float32 and back.status.dtype == chaotic.status.dtype
    rel = np.abs(back.u.values.astype(np.float64) - chaotic.u.values) / np.abs(chaotic.u.values)
    assert rel.max() <= 2.0**-24  # round to nearest float32
    only_u = snt.open(snt.save(chaotic, tmp_path / "u.nc", dtype={"u": "float32"}))
    assert only_u.u.dtype == np.float32 and only_u.M.dtype == np.float64


def test_encoding_is_passed_through_and_options_are_checked(tmp_path, runs):
    chaotic, _ = runs
    path = snt.save(chaotic, tmp_path / "c.nc", encoding={"u": {"chunksizes": (1, 10, 1000)}})
    with xr.open_dataset(path, engine="h5netcdf") as ds:
        assert ds.u.encoding["chunksizes"] == (1, 10, 1000) and not ds.u.encoding["zlib"]  # does not pay
    path = snt.save(chaotic, tmp_path / "z.nc", encoding={"u": {"zlib": True, "complevel": 2}})
    with xr.open_dataset(path, engine="h5netcdf") as ds:
        assert ds.u.encoding["zlib"] and ds.u.encoding["complevel"] == 2
    with pytest.raises(ValueError, match="compression must be"):
        snt.save(chaotic, tmp_path / "d.nc", compression=12)
    with pytest.raises(ValueError, match="dtype for 'u' must be a floating dtype"):
        snt.save(chaotic, tmp_path / "d.nc", dtype={"u": "int32"})
    with pytest.raises(ValueError, match="encoding: 'nope' is not a variable"):
        snt.save(chaotic, tmp_path / "d.nc", encoding={"nope": {}})
    assert not (tmp_path / "d.nc").exists()


def _complex_dataset():
    rng = np.random.default_rng(0)
    z = rng.standard_normal((3, 5)) + 1j * rng.standard_normal((3, 5))
    return xr.Dataset({"chi": (("omega", "k"), z, {"long_name": "susceptibility", "units": "1"}),
                       "x": (("k",), np.arange(5.0))},
                      coords={"omega": ("omega", [0.0, 1.0, 2.0], {"units": "rad/step"})}, attrs={"title": "t"})


ENGINES = ["h5netcdf"] + (["netcdf4"] if importlib.util.find_spec("netCDF4") else [])


@pytest.mark.parametrize("engine", ENGINES)
def test_complex_variables_open_as_two_real_variables_with_plain_xarray(tmp_path, engine):
    ds = _complex_dataset()
    path = snt.save(ds, tmp_path / "z.nc")
    with xr.open_dataset(path, engine=engine) as plain:
        assert "chi" not in plain and plain.chi_real.dtype == np.float64 and plain.chi_imag.dtype == np.float64
        np.testing.assert_array_equal(plain.chi_real.values, ds.chi.real)
        np.testing.assert_array_equal(plain.chi_imag.values, ds.chi.imag)
        assert plain.chi_real.attrs["complex_part"] == "real" and plain.chi_imag.attrs["complex_variable"] == "chi"
        assert plain.chi_imag.attrs["long_name"] == "susceptibility (imaginary part)"


@pytest.mark.parametrize("suffix", [".nc", ".zarr"])
def test_complex_variables_come_back_complex_through_snt(tmp_path, suffix):
    ds = _complex_dataset()
    path = snt.save(ds, tmp_path / f"z{suffix}")
    back = snt.open(path)
    xr.testing.assert_identical(back, ds)
    assert back.chi.dtype == np.complex128
    lazy = snt.open(path, chunks={})
    assert lazy.chi.dtype == np.complex128
    xr.testing.assert_identical(lazy.load(), ds)
    small = snt.open(snt.save(ds, tmp_path / f"z32{suffix}", dtype="float32"))
    assert small.chi.dtype == np.complex64


@pytest.mark.parametrize("suffix", [".nc", ".zarr"])
def test_open_with_chunks_is_dask_backed(tmp_path, runs, suffix):
    import dask.array as da

    chaotic, _ = runs
    path = snt.save(chaotic, tmp_path / f"c{suffix}")
    # netCDF: any chunks; zarr: the stored chunks ({}), as finer ones would split them (xarray warns)
    lazy = snt.open(path, chunks={"trial": 1} if suffix == ".nc" else {})
    assert isinstance(lazy.u.data, da.Array)
    if suffix == ".nc":
        assert lazy.u.data.chunks[0] == (1, 1, 1, 1)
    else:
        import zarr

        assert lazy.u.data.chunksize == zarr.open_array(str(path / "u")).chunks
    mean = lazy.u.mean("time")
    assert isinstance(mean.data, da.Array)  # still lazy
    np.testing.assert_allclose(mean.values, chaotic.u.mean("time").values, rtol=1e-12)  # summation order
    np.testing.assert_array_equal(lazy.u.values, chaotic.u.values)
    lazy.close()


def test_a_saved_zarr_store_opens_with_plain_xarray_without_warning(tmp_path, runs):
    import warnings

    chaotic, _ = runs
    path = snt.save(chaotic.isel(trial=slice(0, 1)), tmp_path / "c.zarr")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with xr.open_zarr(path) as plain:
            assert plain.u.shape == (1, 100, 1000)
    assert os.path.isdir(path)
